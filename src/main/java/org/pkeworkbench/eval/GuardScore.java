package org.pkeworkbench.eval;

/**
 * A guard model's reading of one exchange, from its next-token distribution at the end of the
 * rendered input.
 *
 * @param unsafeProbability {@code P(unsafe) / (P(unsafe) + P(safe))}, where each is the summed
 *     probability of the label's first tokens (see {@link GuardLabelTokens})
 * @param labelMass {@code P(unsafe) + P(safe)}: the share of the whole next-token distribution
 *     that the two labels take. It is near 1 when the model answers in the expected format. A small
 *     value means that the prompt format does not suit the model, so the score means little
 */
public record GuardScore(double unsafeProbability, double labelMass) {

    /**
     * Computes the score from the logits of the next token.
     *
     * @param logits {@code [vocab]} next-token logits
     */
    public static GuardScore fromLogits(float[] logits, GuardLabelTokens labels) {
        double maxLogit = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            maxLogit = Math.max(maxLogit, logit);
        }
        double total = 0.0;
        for (float logit : logits) {
            total += Math.exp(logit - maxLogit);
        }

        // The ratio is taken relative to the largest label logit, so it stays finite even when both
        // labels are far below the most likely token.
        double maxLabelLogit = Double.NEGATIVE_INFINITY;
        for (long id : labels.allIds()) {
            maxLabelLogit = Math.max(maxLabelLogit, logits[checkedIndex(id, logits.length)]);
        }
        double unsafe = sumExp(logits, labels.unsafeIds(), maxLabelLogit);
        double safe = sumExp(logits, labels.safeIds(), maxLabelLogit);

        double unsafeProbability = unsafe / (unsafe + safe);
        double labelMass = (unsafe + safe) * Math.exp(maxLabelLogit - maxLogit) / total;
        return new GuardScore(unsafeProbability, labelMass);
    }

    private static double sumExp(float[] logits, Iterable<Long> ids, double shift) {
        double sum = 0.0;
        for (long id : ids) {
            sum += Math.exp(logits[checkedIndex(id, logits.length)] - shift);
        }
        return sum;
    }

    private static int checkedIndex(long id, int vocab) {
        if (id < 0 || id >= vocab) {
            throw new IllegalArgumentException("Label token id " + id + " is outside the model's vocabulary of "
                    + vocab + " logits; the tokenizer and the model do not match");
        }
        return (int) id;
    }
}
