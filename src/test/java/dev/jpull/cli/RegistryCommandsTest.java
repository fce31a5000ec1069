package dev.jpull.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code tags} and {@code inspect} in-process against a scripted registry. */
@ResourceLock("java.lang.System.streams")
class RegistryCommandsTest {
  @StartStop final MockWebServer server = new MockWebServer();
  @TempDir Path dir;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  String repo() {
    return "127.0.0.1:" + server.getPort() + "/a";
  }

  int run(String... args) {
    picocli.CommandLine cli = Main.commandLine(args.length > 4 ? args[4] : null);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  /** Runs with System.err captured (warnings go there) and returns what it printed. */
  String runCapturingStderr(int[] exit, String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      exit[0] = run(args);
    } finally {
      System.setErr(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"tags", "inspect"})
  void usernameWithoutPasswordStdinExits2WithoutReadingStdin(String verb) {
    AtomicBoolean read = new AtomicBoolean();
    InputStream old = System.in;
    System.setIn(new InputStream() {
      @Override
      public int read() {
        read.set(true);
        return -1;
      }
    });
    try {
      int code = run("--hosts-dir", dir.toString(), "--store", dir.resolve("s").toString(), verb, "--plain-http", "-u",
          "bob", repo() + (verb.equals("inspect") ? ":1" : ""));
      assertEquals(2, code, err.toString());
    } finally {
      System.setIn(old);
    }
    assertFalse(read.get(), "no password is read from stdin without --password-stdin");
    assertEquals(0, server.getRequestCount());
  }

  @Test
  void usernameWithoutPasswordStdinSaysWhatToDo() {
    RegistryOptions options = new RegistryOptions();
    options.username = "bob";
    Main main = new Main();
    main.hostsDir = dir;
    InputStream old = System.in;
    // A password is there to be read, and must not be: never the test JVM's own stdin either.
    System.setIn(new java.io.ByteArrayInputStream("pw\n".getBytes(StandardCharsets.UTF_8)));
    dev.jpull.JpullException e;
    try {
      e = org.junit.jupiter.api.Assertions.assertThrows(dev.jpull.JpullException.class,
          () -> Wiring.registryClient(main, options, "127.0.0.1:" + server.getPort(), Output.silent()));
    } finally {
      System.setIn(old);
    }
    assertEquals(dev.jpull.Kind.INVALID_INPUT, e.kind());
    assertTrue(e.getMessage().contains("--password-stdin"), e.getMessage());
  }

  @Test
  void tagsWithEscapeSequencesAreLeftOutWithOneWarning() {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest r) {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
            .body("{\"tags\":[\"1.0\",\"\\u001b]0;pwned\\u0007\",\"\\u009b31m\",\"latest\"]}").build();
      }
    });
    int[] exit = new int[1];
    String stderr = runCapturingStderr(exit, "--hosts-dir", dir.toString(), "--store", dir.resolve("s").toString(),
        "tags", "--plain-http", repo());
    assertEquals(0, exit[0], err + stderr);
    assertEquals("1.0\nlatest\n", out.toString().replace("\r\n", "\n"));
    String all = out + stderr + err;
    assertFalse(all.contains("\u001b") || all.contains("\u0007") || all.contains("\u009b"), all);
    assertEquals(1, stderr.lines().filter(l -> l.contains("2 tags of")).count(), stderr);
  }

  @Test
  void aTagListWhosePage2FailsPrintsPage1ThenTheError() {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest r) {
        if (r.getUrl().queryParameter("last") == null) {
          return new MockResponse.Builder().code(200).addHeader("Link", "</v2/a/tags/list?last=b>; rel=\"next\"")
              .body("{\"tags\":[\"a\",\"b\"]}").build();
        }
        return new MockResponse.Builder().code(403).addHeader("Content-Type", "application/json")
            .body("{\"errors\":[{\"code\":\"DENIED\",\"message\":\"\\u001b]0;pwned\\u0007 no \\u009b\"}]}").build();
      }
    });
    int code = run("--hosts-dir", dir.toString(), "--store", dir.resolve("s").toString(), "tags", "--plain-http", repo());
    // (The error line itself is claimed once per process by Failures, so it is not asserted in-process.)
    assertEquals(4, code, err.toString());
    assertEquals("a\nb\n", out.toString().replace("\r\n", "\n"), "page 1 printed, nothing re-printed");
  }
}
