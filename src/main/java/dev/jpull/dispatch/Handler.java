package dev.jpull.dispatch;

import dev.jpull.oci.Descriptor;
import java.io.IOException;
import java.util.List;

/**
 * Handles one descriptor of an image tree and returns its children (containerd's
 * {@code images.Handler}): an index returns its manifests, a manifest its config and layers, a blob none.
 * Behaviour is composed by wrapping handlers, never by flags.
 */
@FunctionalInterface
public interface Handler {
  List<Descriptor> handle(Descriptor descriptor) throws IOException, InterruptedException;
}
