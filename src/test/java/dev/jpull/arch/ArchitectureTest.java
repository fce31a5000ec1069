package dev.jpull.arch;

import dev.jpull.image.Image;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package layering of docs/ARCHITECTURE.md, checked on the compiled classes so that a change that adds a
 * back arrow, a cycle or a framework import in the wrong place fails {@code ./mvnw verify}.
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
        .layer("reference").definedBy("dev.jpull.reference..")
        .layer("progress").definedBy("dev.jpull.progress..")
        .layer("oci").definedBy("dev.jpull.oci..")
        .layer("fs").definedBy("dev.jpull.fs..")
        .whereLayer("cli").mayNotBeAccessedByAnyLayer()
        .whereLayer("serve").mayOnlyBeAccessedByLayers("cli")
        .whereLayer("lock").mayOnlyBeAccessedByLayers("cli")
        // export -> pull (Image) is the one arrow the architecture issue (#14) removes with dev.jpull.image.
        .whereLayer("export").mayOnlyBeAccessedByLayers("cli")
        .whereLayer("pull").mayOnlyBeAccessedByLayers("cli", "export")
        .whereLayer("dispatch").mayOnlyBeAccessedByLayers("cli", "serve", "lock", "export", "pull")
        .whereLayer("unpack").mayOnlyBeAccessedByLayers("cli", "export", "pull")
        .whereLayer("registry").mayOnlyBeAccessedByLayers("cli", "lock", "pull", "dispatch")
        .whereLayer("content").mayOnlyBeAccessedByLayers("cli", "serve", "export", "pull", "dispatch")
        .whereLayer("reference").mayOnlyBeAccessedByLayers("cli", "serve", "lock", "export", "pull", "dispatch",
            "registry")
        // The native seam: the unpacker's and the store's one way to touch a tree; it knows nothing of jpull.
        .whereLayer("fs").mayOnlyBeAccessedByLayers("unpack", "content")
        .check(classes);
  }

  @Test
  void theNativeSeamKnowsNothingOfJpull() {
    noClasses().that().resideInAPackage("dev.jpull.fs..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.jpull", "dev.jpull.cli..", "dev.jpull.content..",
            "dev.jpull.unpack..", "dev.jpull.oci..", "dev.jpull.registry..", "dev.jpull.pull..", "dev.jpull.progress..")
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
}
