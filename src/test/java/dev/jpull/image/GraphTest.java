package dev.jpull.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jpull.JpullException;
import dev.jpull.Kind;
import dev.jpull.oci.Descriptor;
import dev.jpull.oci.Digest;
import dev.jpull.oci.Document;
import dev.jpull.oci.MediaTypes;
import dev.jpull.testing.TarBuilder;
import dev.jpull.testing.TestImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The one walk over an image graph (issue 14): each document entered once per walk however many parents name
 * it, indexes nested at most {@link Graph#MAX_INDEX_DEPTH} deep, children before their parent's
 * {@code leave} (post-order). The graph is in memory: a step's children are whatever the test says.
 */
class GraphTest {
  private static final Duration GUARD = Duration.ofSeconds(10);

  /** A test graph: children by digest, and every enter and leave in order. */
  private static final class Recorder implements Graph.Step {
    final Map<Digest, List<Descriptor>> children = new HashMap<>();
    final List<String> events = new ArrayList<>();
    final Map<Digest, Integer> enters = new HashMap<>();
    final Map<Digest, String> names = new HashMap<>();

    Descriptor node(String name, String mediaType, Descriptor... kids) {
      Descriptor d = new Descriptor(mediaType, Digest.sha256(name.getBytes(StandardCharsets.UTF_8)), 100);
      names.put(d.digest(), name);
      children.put(d.digest(), List.of(kids));
      return d;
    }

    @Override
    public List<Descriptor> enter(Descriptor d, int indexes) {
      enters.merge(d.digest(), 1, Integer::sum);
      events.add("enter " + names.get(d.digest()) + " at " + indexes);
      return children.getOrDefault(d.digest(), List.of());
    }

    @Override
    public void leave(Descriptor d) {
      events.add("leave " + names.get(d.digest()));
    }

    int totalEnters() {
      return enters.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  /** Four nested indexes, each naming the next one 40 times, above one manifest with a config and a layer. */
  private static Descriptor sharedFourDeep(Recorder r) {
    Descriptor layer = r.node("layer", MediaTypes.OCI_LAYER_GZIP);
    Descriptor config = r.node("config", MediaTypes.OCI_CONFIG);
    Descriptor child = r.node("manifest", MediaTypes.OCI_MANIFEST, config, layer);
    for (int level = 4; level >= 1; level--) {
      child = r.node("index" + level, MediaTypes.OCI_INDEX, Collections.nCopies(40, child).toArray(Descriptor[]::new));
    }
    return child;
  }

  @Test
  void aChildNamed40TimesByEachOfFourNestedIndexesIsEnteredOnce() {
    Recorder r = new Recorder();
    Descriptor top = sharedFourDeep(r);
    // 40^4 = 2.56 million paths lead to the manifest: a walk without a visited set takes minutes here.
    assertTimeoutPreemptively(GUARD, () -> new Graph().walk(top, r));
    assertEquals(7, r.totalEnters(), "four indexes, a manifest, its config and its layer, once each: " + r.enters);
    r.enters.forEach((d, n) -> assertEquals(1, n, r.names.get(d) + " entered " + n + " times"));
    assertEquals(List.of("enter index1 at 0", "enter index2 at 1", "enter index3 at 2", "enter index4 at 3",
        "enter manifest at 4", "enter config at 4", "leave config", "enter layer at 4", "leave layer", "leave manifest",
        "leave index4", "leave index3", "leave index2", "leave index1"), r.events);
  }

  @Test
  void theVisitedSetSpansTheWalksOfOneGraph() throws IOException {
    Recorder r = new Recorder();
    Descriptor shared = r.node("shared", MediaTypes.OCI_MANIFEST, r.node("config", MediaTypes.OCI_CONFIG));
    Descriptor one = r.node("one", MediaTypes.OCI_INDEX, shared);
    Descriptor two = r.node("two", MediaTypes.OCI_INDEX, shared);
    new Graph().walk(one, r).walk(two, r);
    assertEquals(1, r.enters.get(shared.digest()), "gc walks every reference with one graph: " + r.events);
    assertEquals(4, r.totalEnters(), r.events.toString());
    // A new walk starts with nothing visited.
    new Graph().walk(two, r);
    assertEquals(2, r.enters.get(shared.digest()), r.events.toString());
  }

  @Test
  void fourNestedIndexesAreWalkedAFifthIsVerification() {
    Recorder ok = new Recorder();
    Descriptor four = sharedFourDeep(ok);
    assertTimeoutPreemptively(GUARD, () -> new Graph().walk(four, ok));

    Recorder r = new Recorder();
    Descriptor fifth = r.node("index5", MediaTypes.OCI_INDEX, r.node("manifest", MediaTypes.OCI_MANIFEST));
    Descriptor child = fifth;
    for (int level = 4; level >= 1; level--) {
      child = r.node("index" + level, MediaTypes.OCI_INDEX, child);
    }
    Descriptor top = child;
    JpullException e = assertThrows(JpullException.class, () -> new Graph().walk(top, r));
    assertEquals(Kind.VERIFICATION, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains(fifth.digest().toString()), "names the index too deep: " + e.getMessage());
    assertEquals(0, r.enters.getOrDefault(fifth.digest(), 0), "the fifth index is refused before it is entered");
  }

  @Test
  void checkNestingRefusesOnlyAnIndexBelowTheMaximum() throws JpullException {
    Descriptor index = new Descriptor(MediaTypes.OCI_INDEX, Digest.sha256(new byte[] {1}), 10);
    Descriptor manifest = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(new byte[] {2}), 10);
    Graph.checkNesting(index, Graph.MAX_INDEX_DEPTH - 1);
    Graph.checkNesting(manifest, Graph.MAX_INDEX_DEPTH);
    JpullException e = assertThrows(JpullException.class, () -> Graph.checkNesting(index, Graph.MAX_INDEX_DEPTH));
    assertEquals(Kind.VERIFICATION, e.kind());
  }

  @Test
  void leaveComesAfterAllChildrenPostOrder() throws IOException {
    Recorder r = new Recorder();
    Descriptor c = r.node("c", MediaTypes.OCI_LAYER_GZIP);
    Descriptor a = r.node("a", MediaTypes.OCI_MANIFEST, r.node("a-config", MediaTypes.OCI_CONFIG), c);
    Descriptor b = r.node("b", MediaTypes.OCI_MANIFEST, r.node("b-config", MediaTypes.OCI_CONFIG));
    Descriptor root = r.node("root", MediaTypes.OCI_INDEX, a, b);
    new Graph().walk(root, r);
    assertEquals(List.of("enter root at 0", "enter a at 1", "enter a-config at 1", "leave a-config", "enter c at 1",
        "leave c", "leave a", "enter b at 1", "enter b-config at 1", "leave b-config", "leave b", "leave root"),
        r.events);
  }

  @Test
  void aStepThatReturnsNoChildrenStopsTheDescent() throws IOException {
    Recorder r = new Recorder();
    Descriptor root = r.node("root", MediaTypes.OCI_INDEX, r.node("m", MediaTypes.OCI_MANIFEST));
    Graph.Step pruning = new Graph.Step() {
      @Override
      public List<Descriptor> enter(Descriptor d, int indexes) {
        r.enter(d, indexes);
        return null; // e.g. a platform filter that keeps nothing
      }

      @Override
      public void leave(Descriptor d) {
        r.leave(d);
      }
    };
    new Graph().walk(root, pruning);
    assertEquals(List.of("enter root at 0", "leave root"), r.events);
  }

  @Test
  void childrenOfAManifestAreItsConfigThenItsLayersAndOfAnIndexItsManifests() throws IOException {
    TestImage image = TestImage.of(List.of(new TarBuilder().file("a", "1").build(), new TarBuilder().file("b", "2")
        .build()), true);
    Descriptor md = new Descriptor(MediaTypes.OCI_MANIFEST, image.manifestDigest, image.manifest.length);
    Document manifest = Document.parse(image.manifest, null, md);
    List<Digest> kids = Graph.children(manifest).stream().map(Descriptor::digest).toList();
    assertEquals(List.of(image.configDigest, image.layerDigests.get(0), image.layerDigests.get(1)), kids);
    assertEquals(image.configDigest, Graph.config(manifest).digest());
    assertEquals(image.layerDigests, Graph.layers(manifest).stream().map(Descriptor::digest).toList());

    byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[{\"mediaType\":\""
        + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + image.manifestDigest + "\",\"size\":" + image.manifest.length
        + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}").getBytes(StandardCharsets.UTF_8);
    Document doc = Document.parse(index, null, new Descriptor(MediaTypes.OCI_INDEX, Digest.sha256(index), index.length));
    assertEquals(List.of(image.manifestDigest), Graph.children(doc).stream().map(Descriptor::digest).toList());
  }
}
