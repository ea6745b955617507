package org.pkeworkbench.model;

import java.util.Arrays;

/**
 * Token positions and the additive attention mask of one forward pass, computed in Java from the
 * padding mask. Causal attention, optionally limited to a sliding window: query {@code i} (at
 * absolute position {@code past + i}) attends to key {@code j} when {@code j <= past + i}, when
 * {@code past + i - j < window} if a window is set, and when key {@code j} is not padding.
 *
 * <p>Each row is filled with {@link Arrays#fill} over the visible range instead of testing every
 * key. A single loop over batch, queries and keys with the three tests inside made the JIT's
 * optimising compiler spend 78 to 94 ms per compilation of the calling method, twice, on one of
 * two cores. Meanwhile the libtorch products of the running passes took about twice as long
 * (docs/benchmarks.md, "Forward pass").
 *
 * <p>Example: no padding, {@code past = 2}, {@code seq = 2}, no window gives positions
 * {@code [2, 3]} and the rows {@code [0, 0, 0, M]} and {@code [0, 0, 0, 0]}, where M is
 * {@link #MASKED_SCORE}.
 */
final class AttentionMask {

    /** Score added for a key that a query must not see. It is finite, so fully masked padding rows stay free of NaN. */
    static final float MASKED_SCORE = -1e9f;

    /** Position of each token, {@code [batch, seq]} row-major. Padding tokens get position 0. */
    final long[] positions;
    /** {@code [batch, 1, seq, past + seq]} row-major: 0 where a query may attend, {@link #MASKED_SCORE} elsewhere. */
    final float[] additive;

    /**
     * @param padding {@code [batch, past + seq]} row-major, 1 for a real token and 0 for padding
     * @param window the sliding-window length in tokens, or 0 for full causal attention
     */
    AttentionMask(long[] padding, int batch, int seq, int past, int window) {
        int total = past + seq;
        positions = new long[batch * seq];
        additive = new float[batch * seq * total];
        Arrays.fill(additive, MASKED_SCORE);
        for (int b = 0; b < batch; b++) {
            int keys = b * total;
            boolean padded = hasPadding(padding, keys, total);
            long realBefore = 0;
            for (int j = 0; j < past; j++) {
                realBefore += padding[keys + j];
            }

            for (int i = 0; i < seq; i++) {
                long isReal = padding[keys + past + i];
                realBefore += isReal;
                // Padding positions get position 0; their outputs are never read.
                positions[b * seq + i] = isReal == 1 ? realBefore - 1 : 0;

                int row = (b * seq + i) * total;
                int last = past + i;
                int first = window == 0 ? 0 : Math.max(0, last - window + 1);
                if (padded) {
                    unmaskRealKeys(padding, keys, additive, row, first, last);
                } else {
                    Arrays.fill(additive, row + first, row + last + 1, 0f);
                }
            }
        }
    }

    private static boolean hasPadding(long[] padding, int from, int length) {
        for (int j = from; j < from + length; j++) {
            if (padding[j] != 1) {
                return true;
            }
        }
        return false;
    }

    private static void unmaskRealKeys(long[] padding, int keys, float[] additive, int row, int first, int last) {
        for (int j = first; j <= last; j++) {
            if (padding[keys + j] == 1) {
                additive[row + j] = 0f;
            }
        }
    }
}
