package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.oci.Digest;
import dev.jpull.testing.Launcher;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import dev.jpull.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code tty} renderer in a real pseudo-terminal: jpull runs inside a tmux pane of a known size with
 * its default {@code --progress auto}, and the test reads the screen as a person would see it, mid-pull
 * and at the end.
 */
class TtyProgressIT {
  private static final int WIDTH = 72;

  @StartStop
  final MockWebServer server = new MockWebServer();

  @TempDir
  Path dir;

  @Test
  void liveLinesAreRedrawnInPlaceAndCollapseWhenDone() throws Exception {
    TreeSnapshot.requireTool("/usr/bin/tmux", "tmux");
    byte[] noise = new byte[3 << 20];
    new Random(7).nextBytes(noise);
    TestImage image = TestImage.of(List.of(
        new TarBuilder().file("slow.bin", 0644, noise).build(),
        new TarBuilder().file("etc/os-release", "ID=tty\n").build()), true);
    Digest slow = image.layerDigests.get(0);
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest r) {
        String path = r.getUrl().encodedPath();
        MockResponse.Builder b = new MockResponse.Builder().code(200);
        byte[] body;
        if (path.contains("/manifests/")) {
          b.addHeader("Content-Type", image.manifestType).addHeader("Docker-Content-Digest", image.manifestDigest.toString());
          body = image.manifest;
        } else if (path.contains("/blobs/")) {
          body = image.blobs.get(Digest.parse(path.substring(path.lastIndexOf('/') + 1)));
          if (path.endsWith(slow.toString())) {
            b.throttleBody(256 * 1024, 250, TimeUnit.MILLISECONDS); // ~1 MiB/s: about three seconds
          }
        } else {
          return new MockResponse.Builder().code(200).build();
        }
        return r.getMethod().equals("HEAD") ? b.addHeader("Content-Length", body.length).build()
            : b.body(new Buffer().write(body)).build();
      }
    });
    String ref = server.getHostName() + ":" + server.getPort() + "/tty/image:1";
    String session = "jpull-tty-" + ProcessHandle.current().pid();
    String cmd = "env -u CI " + Launcher.path() + " --store " + dir.resolve("store") + " pull --plain-http " + ref
        + "; echo EXIT=$?; sleep 120";
    tmux("new-session", "-d", "-s", session, "-x", Integer.toString(WIDTH), "-y", "30", cmd);
    try {
      String mid = waitForScreen(session, s -> s.contains("Downloading"));
      assertTrue(mid.matches("(?s).*Downloading.*\\d+(\\.\\d+)? [kKMG]?i?B/\\d.*"), "bytes/total while downloading:\n" + mid);
      String end = waitForScreen(session, s -> s.contains("EXIT="));
      assertTrue(end.contains("EXIT=0"), end);
      assertTrue(end.contains("Pulling from") || end.contains("Pulling " + ref), end);
      for (Digest d : image.layerDigests) {
        String shortId = d.hex().substring(0, 12);
        List<String> lines = end.lines().filter(l -> l.startsWith(shortId)).toList();
        assertEquals(1, lines.size(), "one collapsed line per layer, redrawn in place:\n" + end);
        assertTrue(lines.get(0).contains("Pull complete"), end);
      }
      assertTrue(end.contains("Digest: " + image.manifestDigest), end);
      assertTrue(end.contains("Status: Downloaded newer image for " + ref), end);
      assertFalse(end.contains("Downloading"), "no stale progress lines left:\n" + end);
      assertFalse(end.contains("[2K") || end.contains("[?25"), "no escape residue:\n" + end);
      // Live lines are fitted to the width; the summary may wrap (a digest must stay whole to be copied).
      end.lines().filter(l -> l.matches("^[0-9a-f]{12}: .*|^Total .*"))
          .forEach(l -> assertTrue(l.length() <= WIDTH, "fits the terminal: " + l));
    } finally {
      tmux("kill-session", "-t", session);
    }
  }

  private interface ScreenCheck {
    boolean test(String screen);
  }

  private static String waitForScreen(String session, ScreenCheck check) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String screen = "";
    while (System.nanoTime() < end) {
      screen = tmux("capture-pane", "-p", "-J", "-t", session); // -J: wrapped lines joined back
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
