package dev.jpull.registry;

/**
 * What listing a repository's tags passed on and left out.
 *
 * @param listed tags given to the sink
 * @param invalid entries left out because they break the tag grammar (or are not strings)
 * @param omitted valid tags left out past the cap
 * @param truncated true when the registry had more pages than jpull reads
 */
public record TagList(long listed, long invalid, long omitted, boolean truncated) {}
