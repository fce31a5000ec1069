package dev.jpull.content;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.jpull.oci.Digest;

/** What an ingest is for, kept next to its data so a resume never appends to another blob's bytes. */
record IngestMeta(@JsonProperty("digest") Digest digest, @JsonProperty("size") long size) {}
