package dev.jpull.cli;

/** Entry point placeholder; replaced by the picocli front end. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(0);
  }
}
