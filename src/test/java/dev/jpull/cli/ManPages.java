package dev.jpull.cli;

import java.io.File;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Build-time generator of the man pages (AsciiDoc, doctype manpage) into {@code target/man}: one for
 * {@code jpull} and one per verb, from the same picocli model as {@code --help}. Run by the build in the
 * package phase (exec-maven-plugin); it lives with the tests because picocli-codegen is not a runtime
 * dependency of jpull. Converting to troff takes asciidoctor: {@code asciidoctor -b manpage target/man/*.adoc}.
 */
public final class ManPages {
  private ManPages() {}

  public static void main(String[] args) throws Exception {
    File out = new File(args.length > 0 ? args[0] : "target/man");
    if (!out.isDirectory() && !out.mkdirs()) {
      throw new java.io.IOException("cannot create " + out);
    }
    int rc = ManPageGenerator.generateManPage(out, null, new boolean[0], true, Main.commandLine().getCommandSpec());
    if (rc != 0) {
      throw new IllegalStateException("man page generation failed with " + rc);
    }
  }
}
