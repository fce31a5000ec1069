package dev.jpull.cli;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.content.LocalContentStore;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Platform;
import dev.jpull.oci.PlatformMatcher;
import dev.jpull.progress.PlainRenderer;
import dev.jpull.progress.ProgressEvent;
import dev.jpull.progress.ProgressListener;
import dev.jpull.pull.Puller;
import dev.jpull.image.Image;
import dev.jpull.reference.Reference;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jpull unpack REF DIR}: materialises a stored image offline. */
@Command(name = "unpack", description = {"Materialise a stored image's root filesystem into DIR, offline.", "",
    "Examples:", "  jpull unpack alpine:3.19 ./rootfs", "  jpull unpack --platform linux/arm64 app:1 /tmp/app-arm64"})
final class UnpackCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REF", converter = Converters.ReferenceConverter.class)
  Reference ref;

  @Parameters(index = "1", paramLabel = "DIR", description = "Target directory; must not exist, or be empty.")
  Path dir;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", converter = Converters.PlatformConverter.class,
      description = "Which platform of a multi-platform image (default: the host's).")
  Platform platform;

  @Override
  public Integer call() throws Exception {
    Path target = Targets.emptyDirectory(dir, "DIR");
    try (LocalContentStore store = StoreLocation.open(main)) {
      Descriptor root = store.lookup(ref.toString()).orElseThrow(() -> new JpullException(Kind.NOT_FOUND,
          "unpack " + ref + ": no such image in the store", "pull it first: jpull pull " + ref, null));
      PlatformMatcher matcher = PlatformMatcher.only(platform != null ? platform : PlatformMatcher.host());
      Image image = Image.find(store, root, matcher, ref.toString())
          .filter(i -> i.layersPresent(store))
          .orElseThrow(() -> new JpullException(Kind.NOT_FOUND, "unpack " + ref + ": the store does not hold every "
              + "blob of this image", "pull it again: jpull pull " + ref, null));
      Image.checkRootfs(image.config(), image.manifest(), image.configDescriptor());
      // A failure leaves DIR as it was (absent or empty) and reports the layer's own error. Warnings (devices
      // an ordinary user cannot create, xattrs that cannot be set) reach stderr as in a pull; nothing else does.
      PlainRenderer plain = new PlainRenderer(System.err);
      ProgressListener warnings = e -> {
        if (e instanceof ProgressEvent.Warning) {
          plain.on(e);
        }
      };
      Puller.unpackStored(store, image, target, warnings);
    }
    spec.commandLine().getOut().println(target);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
