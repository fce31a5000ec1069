package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.oci.Digest;
import dev.jpull.testing.ImagePusher;
import dev.jpull.testing.Launcher;
import dev.jpull.testing.RegistryServer;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import dev.jpull.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --progress auto} under a pseudo-terminal with {@code CI=true} (as CI runners that allocate a pty
 * for their jobs set it) prints plain lines, not redrawn bars: each layer's states stay on lines of their
 * own, and no escape sequence reaches the log.
 */
class CiProgressIT {
  @TempDir
  Path dir;

  @Test
  void ciTrueUnderAPseudoTerminalGivesPlainLines() throws Exception {
    TreeSnapshot.requireTool("/usr/bin/tmux", "tmux");
    try (RegistryServer registry = RegistryServer.start(dir)) {
      TestImage image = TestImage.of(List.of(new TarBuilder().file("etc/os-release", "ID=ci\n").build()), true);
      new ImagePusher(registry.url()).push("ci/image", "1", image);
      String ref = registry.hostPort() + "/ci/image:1";
      Path log = dir.resolve("pane.log");
      String session = "jpull-ci-" + ProcessHandle.current().pid();
      // The pane's raw output is kept too (pipe-pane), so escape codes a screen capture would hide are seen.
      String cmd = "sleep 1; env CI=true " + Launcher.path() + " --store " + dir.resolve("store") + " pull --plain-http " + ref
          + "; echo EXIT=$?; sleep 120";
      tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", cmd);
      try {
        tmux("pipe-pane", "-o", "-t", session, "cat >> " + log);
        String end = waitForScreen(session, s -> s.contains("EXIT="));
        assertTrue(end.contains("EXIT=0"), end);
        String shortId = image.layerDigests.get(0).hex().substring(0, 12);
        long lines = end.lines().filter(l -> l.startsWith(shortId + ": ")).count();
        assertTrue(lines >= 2, "plain mode prints each state of a layer on its own line:\n" + end);
        assertTrue(end.contains(shortId + ": Pull complete"), end);
        Thread.sleep(300);
        String raw = Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
        assertFalse(raw.contains("\u001b[2K") || raw.contains("\u001b[?25"), "no redraw escapes in the log:\n" + raw);
        Digest manifest = image.manifestDigest;
        assertTrue(end.contains("Digest: " + manifest), end);
      } finally {
        tmux("kill-session", "-t", session);
      }
    }
  }

  private interface ScreenCheck {
    boolean test(String screen);
  }

  private static String waitForScreen(String session, ScreenCheck check) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String screen = "";
    while (System.nanoTime() < end) {
      screen = tmux("capture-pane", "-p", "-J", "-t", session);
      if (check.test(screen)) {
        return screen;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("screen never showed what was expected:\n" + screen);
  }

  private static String tmux(String... args) throws IOException, InterruptedException {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "tmux";
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(10, TimeUnit.SECONDS);
    return out;
  }
}
