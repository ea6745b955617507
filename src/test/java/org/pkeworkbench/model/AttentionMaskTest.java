package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link AttentionMask} against the rule written out key by key: query {@code i} attends to key
 * {@code j} when {@code j <= past + i}, the key is inside the sliding window and is not padding.
 */
class AttentionMaskTest {

    private static final float M = AttentionMask.MASKED_SCORE;

    @Test
    void causalRowsWithoutPadding() {
        AttentionMask mask = new AttentionMask(new long[] {1, 1, 1, 1}, 1, 2, 2, 0);

        assertArrayEquals(new long[] {2, 3}, mask.positions);
        assertArrayEquals(new float[] {0, 0, 0, M, 0, 0, 0, 0}, mask.additive);
    }

    @Test
    void leftPaddingShiftsPositionsAndHidesPaddedKeys() {
        // Batch 2, 3 tokens, no cache; the second sequence starts with one padding token.
        AttentionMask mask = new AttentionMask(new long[] {1, 1, 1, 0, 1, 1}, 2, 3, 0, 0);

        assertArrayEquals(new long[] {0, 1, 2, 0, 0, 1}, mask.positions);
        assertArrayEquals(new float[] {
            0, M, M, 0, 0, M, 0, 0, 0,
            M, M, M, M, 0, M, M, 0, 0}, mask.additive);
    }

    @Test
    void slidingWindowHidesKeysTooFarBack() {
        AttentionMask mask = new AttentionMask(new long[] {1, 1, 1, 1}, 1, 4, 0, 2);

        assertArrayEquals(new float[] {
            0, M, M, M,
            0, 0, M, M,
            M, 0, 0, M,
            M, M, 0, 0}, mask.additive);
    }

    @Test
    void randomPaddingPastAndWindows() {
        SplittableRandom random = new SplittableRandom(7);
        for (int trial = 0; trial < 500; trial++) {
            int batch = 1 + random.nextInt(3);
            int seq = 1 + random.nextInt(9);
            int past = random.nextInt(6);
            int window = random.nextInt(3) == 0 ? 1 + random.nextInt(5) : 0;
            int total = past + seq;
            long[] padding = new long[batch * total];
            for (int k = 0; k < padding.length; k++) {
                padding[k] = random.nextInt(4) == 0 ? 0 : 1;
            }

            AttentionMask mask = new AttentionMask(padding, batch, seq, past, window);

            long[] positions = new long[batch * seq];
            float[] additive = new float[batch * seq * total];
            keyByKey(padding, batch, seq, past, window, positions, additive);
            assertArrayEquals(positions, mask.positions, "positions, trial " + trial);
            assertArrayEquals(additive, mask.additive, "mask, trial " + trial);
        }
    }

    /** The rule as stated in the class comment, one key at a time. */
    private static void keyByKey(long[] padding, int batch, int seq, int past, int window, long[] positions,
            float[] additive) {
        int total = past + seq;
        for (int b = 0; b < batch; b++) {
            long real = 0;
            for (int j = 0; j < past; j++) {
                real += padding[b * total + j];
            }
            for (int i = 0; i < seq; i++) {
                boolean isReal = padding[b * total + past + i] == 1;
                real += isReal ? 1 : 0;
                positions[b * seq + i] = isReal ? real - 1 : 0;
                for (int j = 0; j < total; j++) {
                    boolean visible = j <= past + i && (window == 0 || past + i - j < window)
                            && padding[b * total + j] == 1;
                    additive[(b * seq + i) * total + j] = visible ? 0f : M;
                }
            }
        }
    }
}
