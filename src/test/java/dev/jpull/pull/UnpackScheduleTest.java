package dev.jpull.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.image.Cancellation;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnpackScheduleTest {
  private static final Duration GUARD = Duration.ofSeconds(5);

  static Descriptor layer(String name) {
    return new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(name.getBytes(StandardCharsets.UTF_8)), 1);
  }

  @Test
  void layersComeBottomFirstWhateverOrderTheyLandIn() throws Exception {
    Descriptor a = layer("a");
    Descriptor b = layer("b");
    Descriptor c = layer("c");
    UnpackSchedule s = new UnpackSchedule(new Cancellation());
    s.plan(List.of(a, b, c), d -> d.equals(b)); // b was in the store already
    s.verified(c.digest());
    Thread late = new Thread(() -> s.verified(a.digest()));
    late.start();
    assertTimeoutPreemptively(GUARD, () -> {
      assertEquals(a, s.next());
      s.applied();
      assertEquals(b, s.next());
      s.applied();
      assertEquals(c, s.next());
      s.applied();
      assertNull(s.next());
    });
  }

  @Test
  void abortSetItsFlagAfterWakingTheWaitersSoALateWaiterStalledThirtySeconds() {
    // The old LayerUnpacker completed the futures it knew, then set its flag: an unpacker asking for its
    // next layer in between made a new future nobody completed. Now the cancel and the wait share a lock.
    Cancellation token = new Cancellation();
    UnpackSchedule s = new UnpackSchedule(token);
    s.plan(List.of(layer("a")), d -> false);
    token.cancel(new JpullException(Kind.CANCELLED, "interrupted"));
    JpullException e = assertTimeoutPreemptively(GUARD, () -> assertThrows(JpullException.class, s::next));
    assertEquals(Kind.CANCELLED, e.kind());
    assertTrue(s.toString().contains("cancelled"), s.toString());
  }

  @Test
  void aCancelWakesAnUnpackerAlreadyWaiting() throws Exception {
    Cancellation token = new Cancellation();
    UnpackSchedule s = new UnpackSchedule(token);
    s.plan(List.of(layer("a")), d -> false);
    Thread canceller = new Thread(() -> {
      try {
        Thread.sleep(50); // only to let the unpacker reach its wait; the assertion holds either way
      } catch (InterruptedException ignored) {
        Thread.currentThread().interrupt();
      }
      token.cancel(new JpullException(Kind.CANCELLED, "interrupted"));
    });
    canceller.start();
    JpullException e = assertTimeoutPreemptively(GUARD, () -> assertThrows(JpullException.class, s::next));
    assertEquals(Kind.CANCELLED, e.kind());
  }

  @Test
  void aLayerBeingIngestedIsHandedOutToFollowUntilARestartThenOnlyOnceVerified() throws Exception {
    Descriptor a = layer("a");
    Descriptor b = layer("b");
    UnpackSchedule s = new UnpackSchedule(new Cancellation());
    s.plan(List.of(a, b), d -> d.equals(a));
    dev.jpull.content.IngestView ingest = c -> {
      throw new AssertionError("not opened by the schedule");
    };
    assertTimeoutPreemptively(GUARD, () -> {
      assertEquals(a, s.next());
      assertNull(s.following(), "in the store: read from there");
      s.applied();
      Thread opened = new Thread(() -> s.ingesting(b.digest(), ingest));
      opened.start();
      assertEquals(b, s.next(), "not verified, but being ingested");
      assertEquals(ingest, s.following());
      s.restart();
      assertEquals(a, s.next(), "a restart begins at layer 0 again");
      s.applied();
      Thread landed = new Thread(() -> s.verified(b.digest()));
      landed.start();
      assertEquals(b, s.next());
      assertNull(s.following(), "after a restart nothing is followed: b came once verified");
      s.applied();
      assertNull(s.next());
    });
    assertTrue(s.toString().contains("store only"), s.toString());
  }

  @Test
  void aLayerThisPullCommittedIsReadThroughItsIngestNotHashedAgainFromTheStore() throws Exception {
    Descriptor a = layer("a");
    Descriptor b = layer("b");
    UnpackSchedule s = new UnpackSchedule(new Cancellation());
    s.plan(List.of(a, b), d -> d.equals(a));
    dev.jpull.content.IngestView ingest = c -> {
      throw new AssertionError("not opened by the schedule");
    };
    s.ingesting(b.digest(), ingest);
    s.verified(b.digest());
    assertTimeoutPreemptively(GUARD, () -> {
      assertEquals(a, s.next());
      assertNull(s.following(), "in the store before the pull: read (and verified) from there");
      s.applied();
      assertEquals(b, s.next());
      assertEquals(ingest, s.following(), "landed through this pull's ingest: its writer hashed it");
      s.restart();
      assertEquals(a, s.next());
      s.applied();
      assertEquals(b, s.next());
      assertNull(s.following(), "after a restart, the store alone");
    });
  }
}
