package org.pkeworkbench.trace;

/**
 * The outcome of a causal trace: how much restoring one clean hidden state brings back the
 * probability of the target token at the last prompt position.
 *
 * @param tokenIds prompt tokens, {@code [tokens]}
 * @param tokenTexts decoded prompt tokens, {@code [tokens]}, or null without a tokenizer
 * @param targetId the token whose probability is measured
 * @param targetText the decoded target token, or null without a tokenizer
 * @param corruptFrom first corrupted position
 * @param corruptTo position after the last corrupted one
 * @param noiseStd standard deviation of the added noise, in embedding units
 * @param restoredState the hidden state copied from the clean run
 * @param window layers restored together per row; 1 restores exactly the row's layer
 * @param cleanProbability target probability without noise
 * @param corruptedProbability mean target probability with noise
 * @param restoredProbability mean target probability with noise and the clean state restored at one token, in
 *     the window of layers around the row's layer, {@code [layers][tokens]}
 * @param indirectEffect {@code restoredProbability - corruptedProbability}, {@code [layers][tokens]}
 */
public record CausalTraceResult(long[] tokenIds, String[] tokenTexts, long targetId, String targetText, int corruptFrom,
        int corruptTo, double noiseStd, RestoredState restoredState, int window, double cleanProbability, double corruptedProbability,
        double[][] restoredProbability, double[][] indirectEffect) {}
