package org.pkeworkbench.model;

import ai.djl.ndarray.NDArray;

/**
 * Arithmetic with Java numbers that is safe under autograd.
 *
 * <p>DJL's {@code NDArray.mul(Number)} and {@code div(Number)} wrap the number in a temporary
 * array backed by a Java buffer and close it right after the operation. Autograd saves that
 * operand for the backward pass, which then reads freed memory and can return NaN gradients.
 * {@link #scale} and {@link #owned} use arrays whose memory libtorch owns instead. Operations whose
 * gradient does not depend on the number ({@code add}, {@code sub}, {@code clip}) are safe as they are.
 */
public final class Tensors {

    private Tensors() {}

    /** {@code x * factor}, differentiable with respect to {@code x}. */
    public static NDArray scale(NDArray x, double factor) {
        NDArray scalar = x.getManager().create((float) factor).toDevice(x.getDevice(), false);
        NDArray owned = owned(scalar);
        NDArray result = x.mul(owned);
        owned.close();
        return result;
    }

    /**
     * Copies an array made from Java data into memory that libtorch owns, and closes the original.
     * Use it for every array built from Java values that takes part in a differentiable computation.
     */
    public static NDArray owned(NDArray fromJava) {
        NDArray copy = fromJava.duplicate();
        fromJava.close();
        return copy;
    }
}
