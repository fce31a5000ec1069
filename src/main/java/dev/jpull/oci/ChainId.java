package dev.jpull.oci;

import java.util.List;

/**
 * Chain IDs as the image spec defines them (config.md "Layer ChainID"): {@code ChainID(L0) = DiffID(L0)},
 * {@code ChainID(L0..Ln) = sha256(ChainID(L0..Ln-1) + " " + DiffID(Ln))}. They name an applied stack of
 * layers, so two images with the same layers share one unpacked tree.
 */
public final class ChainId {
  private ChainId() {}

  /** The chain ID of the whole stack, bottom layer first. */
  public static Digest of(List<Digest> diffIds) {
    if (diffIds.isEmpty()) {
      throw new IllegalArgumentException("no layers");
    }
    Digest chain = diffIds.get(0);
    for (int i = 1; i < diffIds.size(); i++) {
      chain = chain.chainedWith(diffIds.get(i));
    }
    return chain;
  }
}
