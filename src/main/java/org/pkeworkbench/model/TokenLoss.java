package org.pkeworkbench.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/** Per-token log-likelihoods of a continuation under teacher forcing. */
public final class TokenLoss {

    private TokenLoss() {}

    /**
     * Log-probabilities of the tokens at positions {@code [start, seq)} of one sequence, each
     * predicted from the position before it.
     *
     * @param logits {@code [1, seq, vocab]} from a forward pass over {@code ids}
     * @param ids {@code [1, seq]} INT64, the same ids
     * @param start the first scored position, at least 1
     * @return {@code [seq - start]}
     */
    public static NDArray targetLogProbs(NDArray logits, NDArray ids, int start) {
        long seq = ids.getShape().get(1);
        if (start < 1 || start >= seq) {
            throw new IllegalArgumentException("start must be in [1, " + (seq - 1) + "], got " + start);
        }
        return predictedLogProbs(logits.get(new NDIndex(":, {}:{}", start - 1, seq - 1)), ids, start);
    }

    /**
     * Returns log-probabilities like {@link #targetLogProbs}, from logits of the predicting positions alone,
     * so a caller that needs no other position computes and keeps only those logits.
     *
     * @param predicting {@code [1, seq - start, vocab]}, the logits at positions {@code [start - 1, seq - 1)}
     * @param ids {@code [1, seq]} INT64, the whole sequence
     * @param start the first scored position, at least 1
     * @return {@code [seq - start]}
     */
    public static NDArray predictedLogProbs(NDArray predicting, NDArray ids, int start) {
        long vocab = predicting.getShape().get(2);
        NDArray logProbs = predicting.get(0).logSoftmax(-1);
        // The one-hot targets are as large as the logits, so they go to the logits' manager, which
        // the caller frees with them, and not to the manager of the (often longer-lived) ids.
        NDArray targets = ids.get(new NDIndex("0, {}:", start));
        targets.attach(logProbs.getManager());
        NDArray oneHot = targets.toType(DataType.INT32, false).oneHot((int) vocab).toType(DataType.FLOAT32, false);
        return logProbs.mul(oneHot).sum(new int[] {-1});
    }

    /** Mean negative log-likelihood of positions {@code [start, seq)}; a scalar. */
    public static NDArray meanNll(NDArray logits, NDArray ids, int start) {
        return targetLogProbs(logits, ids, start).mean().neg();
    }
}
