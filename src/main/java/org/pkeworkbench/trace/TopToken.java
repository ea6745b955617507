package org.pkeworkbench.trace;

/**
 * One of the most likely next tokens read from a residual stream.
 *
 * @param id token id
 * @param text the decoded token, or null when no tokenizer was given
 * @param probability softmax probability over the vocabulary, in [0, 1]
 */
public record TopToken(long id, String text, double probability) {}
