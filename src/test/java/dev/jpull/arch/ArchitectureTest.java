package dev.jpull.arch;

import static com.tngtech.archunit.core.domain.JavaAccess.Predicates.target;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.jpull.oci.Digest;
import dev.jpull.oci.ImageIndex;
import dev.jpull.oci.ImageManifest;
import dev.jpull.oci.PlatformMatcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package layering of docs/ARCHITECTURE.md, checked on the compiled classes so that a change that adds a
 * back arrow, a cycle or a framework import in the wrong place fails {@code ./mvnw verify}; and issue 14's
 * "one way to read an image": one platform picker, one graph walker, one place that hashes what is read.
 *
 * <p>The table, bottom up: {@code oci} ← {@code image} (the read layer: views, walk, verifying stream,
 * platform choice) ← {@code content}, {@code registry} ← {@code dispatch}, {@code unpack} ← {@code pull},
 * {@code export} ← {@code lock}, {@code serve} ← {@code cli}; {@code reference}, {@code progress} and the root
 * types ({@code JpullException}, {@code Kind}, {@code Quoted}) usable from {@code image} up; {@code fs}, the
 * native seam, only by {@code unpack} and {@code content}.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.jpull");
  }

  @Test
  void packagesFormNoCycle() {
    slices().matching("dev.jpull.(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void layersOnlyPointDown() {
    layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("cli").definedBy("dev.jpull.cli..")
        .layer("serve").definedBy("dev.jpull.serve..")
        .layer("lock").definedBy("dev.jpull.lock..")
        .layer("export").definedBy("dev.jpull.export..")
        .layer("pull").definedBy("dev.jpull.pull..")
        .layer("dispatch").definedBy("dev.jpull.dispatch..")
        .layer("unpack").definedBy("dev.jpull.unpack..")
        .layer("registry").definedBy("dev.jpull.registry..")
        .layer("content").definedBy("dev.jpull.content..")
        .layer("image").definedBy("dev.jpull.image..")
        .layer("reference").definedBy("dev.jpull.reference..")
        .layer("progress").definedBy("dev.jpull.progress..")
        .layer("oci").definedBy("dev.jpull.oci..")
        .layer("fs").definedBy("dev.jpull.fs..")
        .whereLayer("cli").mayNotBeAccessedByAnyLayer()
        .whereLayer("serve").mayOnlyBeAccessedByLayers("cli")
        .whereLayer("lock").mayOnlyBeAccessedByLayers("cli")
        .whereLayer("export").mayOnlyBeAccessedByLayers("cli")
        // export reads stored images through dev.jpull.image, no longer through pull (issue 14).
        .whereLayer("pull").mayOnlyBeAccessedByLayers("cli")
        .whereLayer("dispatch").mayOnlyBeAccessedByLayers("cli", "serve", "lock", "export", "pull")
        .whereLayer("unpack").mayOnlyBeAccessedByLayers("cli", "export", "pull")
        .whereLayer("registry").mayOnlyBeAccessedByLayers("cli", "lock", "pull", "dispatch")
        .whereLayer("content").mayOnlyBeAccessedByLayers("cli", "serve", "export", "pull", "dispatch")
        // The one read layer: everything above oci reads images through it; it sees only what is below it.
        .whereLayer("image").mayOnlyBeAccessedByLayers("cli", "serve", "lock", "export", "pull", "dispatch",
            "unpack", "registry", "content")
        .whereLayer("reference").mayOnlyBeAccessedByLayers("cli", "serve", "lock", "export", "pull", "dispatch",
            "registry", "image")
        // The native seam: the unpacker's and the store's one way to touch a tree; it knows nothing of jpull.
        .whereLayer("fs").mayOnlyBeAccessedByLayers("unpack", "content")
        .check(classes);
  }

  /** The layer table says who may use {@code image}; this says what {@code image} itself may use. */
  @Test
  void theImageLayerUsesOnlyOciReferenceProgressAndTheRootTypes() {
    noClasses().that().resideInAPackage("dev.jpull.image..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.jpull.cli..", "dev.jpull.serve..",
            "dev.jpull.lock..", "dev.jpull.export..", "dev.jpull.pull..", "dev.jpull.dispatch..", "dev.jpull.unpack..",
            "dev.jpull.registry..", "dev.jpull.content..", "dev.jpull.fs..")
        .check(classes);
  }

  @Test
  void exportDoesNotDependOnPull() {
    noClasses().that().resideInAPackage("dev.jpull.export..")
        .should().dependOnClassesThat().resideInAPackage("dev.jpull.pull..")
        .check(classes);
  }

  @Test
  void theNativeSeamKnowsNothingOfJpull() {
    noClasses().that().resideInAPackage("dev.jpull.fs..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.jpull", "dev.jpull.cli..", "dev.jpull.content..",
            "dev.jpull.unpack..", "dev.jpull.oci..", "dev.jpull.registry..", "dev.jpull.pull..", "dev.jpull.progress..",
            "dev.jpull.image..")
        .check(classes);
  }

  @Test
  void onlyTheCommandLineUsesPicocli() {
    noClasses().that().resideOutsideOfPackage("dev.jpull.cli..")
        .should().dependOnClassesThat().resideInAPackage("picocli..")
        .check(classes);
  }

  @Test
  void onlyTheRegistryClientUsesOkHttp() {
    noClasses().that().resideOutsideOfPackages("dev.jpull.registry..", "dev.jpull.cli..")
        .should().dependOnClassesThat().resideInAnyPackage("okhttp3..", "okio..")
        .check(classes);
  }

  /** Issue 14's own words: nothing in image, content, oci or unpack imports OkHttp (implied above, kept explicit). */
  @Test
  void theReadLayerTheStoreTheTypesAndTheUnpackerDoNotImportOkHttp() {
    noClasses().that().resideInAnyPackage("dev.jpull.image..", "dev.jpull.content..", "dev.jpull.oci..",
            "dev.jpull.unpack..")
        .should().dependOnClassesThat().resideInAnyPackage("okhttp3..")
        .check(classes);
  }

  /**
   * Only one class picks a platform: {@code image.Platforms} (over the matcher rules in {@code oci}). Another
   * caller of {@code matches}/{@code rank} is a second picker that can disagree on which manifest a reference
   * means (issue 14 found four). Method references count as calls.
   */
  @Test
  void onlyOneClassPicksAPlatform() {
    noClasses().that().resideOutsideOfPackage("dev.jpull.oci..")
        .and().doNotHaveFullyQualifiedName("dev.jpull.image.Platforms")
        .should().accessTargetWhere(member(PlatformMatcher.class, "matches", "rank"))
        .because("image.Platforms is the one platform picker (issue 14)")
        .check(classes);
  }

  /**
   * Only the image package walks a graph: outside {@code oci} and {@code image} nobody reads what an index or a
   * manifest refers to; they ask {@code image.Graph} (walks) or {@code image.Image} (layers, config).
   */
  @Test
  void onlyTheImagePackageWalksAGraph() {
    noClasses().that().resideOutsideOfPackages("dev.jpull.oci..", "dev.jpull.image..")
        .should().accessTargetWhere(member(ImageIndex.class, "manifests")
            .or(member(ImageManifest.class, "layers", "config")))
        .because("image.Graph and image.Image are the one way to read an image graph (issue 14)")
        .check(classes);
  }

  /**
   * Hashing is done in the five places of issue 14: the digest type ({@code oci}), the verifying stream
   * ({@code image}), the store's ingest (write side), the unpacker's diff ID hash and the writer of
   * generated manifests. Every other reader gets verified bytes from {@code image.VerifyingInputStream}.
   */
  @Test
  void onlyTheFivePlacesHash() {
    noClasses().that().resideOutsideOfPackages("dev.jpull.oci..", "dev.jpull.image..")
        .and().haveNameNotMatching("dev\\.jpull\\.content\\.IngestWriter(\\$.*)?")
        .and().haveNameNotMatching("dev\\.jpull\\.unpack\\.Rootfs(\\$.*)?")
        .and().haveNameNotMatching("dev\\.jpull\\.export\\.LayoutContent(\\$.*)?")
        .should().accessTargetWhere(member(MessageDigest.class, "getInstance")
            .or(member(Digest.class, "newDigester", "newSha256", "of", "sha256")))
        .because("reads verify through image.VerifyingInputStream (issue 14)")
        .check(classes);
  }

  /**
   * Issue 14's "Done when" grep, on the sources as the issue states it: at most five files of src/main name a
   * hashing call. (The rule above checks who calls; this one also counts the files, whatever their names.)
   */
  @Test
  void theDoneWhenGrepListsAtMostFiveFiles() throws IOException {
    Pattern hashing = Pattern.compile("newDigester\\(\\)|newSha256\\(\\)|Digest\\.(of|sha256)\\(|MessageDigest\\.getInstance");
    List<Path> files;
    try (Stream<Path> all = Files.walk(Path.of("src/main"))) {
      files = all.filter(Files::isRegularFile).filter(f -> {
        try {
          return hashing.matcher(Files.readString(f)).find();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).sorted().toList();
    }
    assertTrue(files.size() <= 5, "grep -rlE '" + hashing + "' src/main lists " + files.size()
        + " files, at most 5 wanted:\n" + String.join("\n", files.stream().map(Path::toString).toList()));
  }

  /** An access (call, field read, method reference) to one of {@code names} declared in {@code owner}. */
  private static DescribedPredicate<JavaAccess<?>> member(Class<?> owner, String... names) {
    DescribedPredicate<AccessTarget> named = AccessTarget.Predicates.declaredIn(owner)
        .and(nameMatching(String.join("|", names)));
    return target(named).as(owner.getSimpleName() + "." + String.join("/", names));
  }
}
