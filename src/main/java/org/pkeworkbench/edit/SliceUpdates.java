package org.pkeworkbench.edit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The steps that every {@link SliceOptimizer} shares: masking a gradient and clipping the trained
 * values. Results of an operation belong to its receiver's manager, so each result is attached
 * to the caller's scratch manager, and closing that manager frees it.
 */
final class SliceUpdates {

    private SliceUpdates() {}

    /** Returns {@code gradient * mask}, or a copy of {@code gradient} when {@code mask} is null, owned by {@code scratch}. */
    static NDArray masked(NDArray gradient, NDArray mask, NDManager scratch) {
        NDArray masked = mask == null ? gradient.mul(1f) : gradient.mul(mask);
        masked.attach(scratch);
        return masked;
    }

    /**
     * Clips every element of {@code delta} in place to {@code [-maxChange, maxChange]}. A
     * {@code maxChange} of 0 or less means no limit.
     */
    static void clip(NDArray delta, double maxChange, NDManager scratch) {
        if (maxChange <= 0) {
            return;
        }
        NDArray clipped = delta.clip(-maxChange, maxChange);
        clipped.attach(scratch);
        // Subtracting the excess (delta - clipped) rounds to 0 in float32 when delta is far beyond the
        // bound (1e30 against 0.1), which dropped the change. x - x is exactly 0 for a finite x, so
        // this writes the clipped values; an infinite delta becomes NaN, which the editor rejects.
        delta.subi(delta);
        delta.addi(clipped);
    }
}
