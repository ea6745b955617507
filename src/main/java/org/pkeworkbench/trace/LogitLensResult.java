package org.pkeworkbench.trace;

/**
 * The logit lens of one token sequence. Layer index {@code i} is model layer {@code layers[i]}:
 * index 0 is the embedding output (layer -1) and index {@code l + 1} is {@code resid_post} of layer {@code l}.
 *
 * @param tokenIds the prompt followed by the target, {@code [seq]}
 * @param tokenTexts decoded tokens, {@code [seq]}, or null when no tokenizer was given
 * @param promptLength number of prompt tokens at the start of {@code tokenIds}
 * @param layers model layer of each row, {@code [numLayers + 1]}: -1, 0, 1, ...
 * @param top most likely next tokens, {@code [layer][position][k]}, most likely first
 * @param targetProbabilities teacher-forced probability of target token {@code j}, read at position
 *     {@code promptLength - 1 + j}, {@code [layer][targetLength]}; empty rows without a target
 */
public record LogitLensResult(long[] tokenIds, String[] tokenTexts, int promptLength, int[] layers,
        TopToken[][][] top, double[][] targetProbabilities) {

    public int targetLength() {
        return tokenIds.length - promptLength;
    }
}
