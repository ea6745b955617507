package org.pkeworkbench.edit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/** Clipping the trained change to the max change per weight, on the real engine. */
class SliceUpdatesTest {

    /**
     * A change far beyond the bound is clipped to the bound. Subtracting the excess gave 0 for
     * 1e30 against 0.1 in float32, so an edit with a huge learning rate and a max change changed nothing.
     */
    @Test
    void hugeChangeClipsToBound() {
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu());
                NDManager scratch = manager.newSubManager()) {
            NDArray delta = manager.create(new float[] {1e30f, -1e30f, 0.05f, -0.2f, 3e38f});

            SliceUpdates.clip(delta, 0.1, scratch);

            assertArrayEquals(new float[] {0.1f, -0.1f, 0.05f, -0.1f, 0.1f}, delta.toFloatArray(), 0f);
        }
    }
}
