package dev.jpull.content;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jpull.oci.Digest;
import dev.jpull.oci.FieldException;
import dev.jpull.oci.Fields;

/** What an ingest is for, kept next to its data so a resume never appends to another blob's bytes. */
record IngestMeta(Digest digest, long size) {
  static IngestMeta read(Fields f) throws FieldException {
    return new IngestMeta(f.digest("digest"), f.size("size"));
  }

  ObjectNode toJson() {
    return Fields.object().put("digest", digest.toString()).put("size", size);
  }
}
