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
        NDArray excess = delta.sub(clipped);
        excess.attach(scratch);
        delta.subi(excess);
    }
}
