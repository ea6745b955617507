package org.pkeworkbench.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

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
     * Converts {@code x} to {@code type}, keeping the autograd graph: the gradient of the result
     * flows back to {@code x}, converted to {@code x}'s type. Returns {@code x} itself when it has
     * that type already. The result belongs to {@code x}'s manager.
     *
     * <p>DJL 0.36's {@code NDArray.toType} runs libtorch's {@code to()} under a no-grad guard, so
     * its result is cut from the graph, and gradients stop at every cast. While gradients are
     * recorded this method converts with {@code cumprod(dtype)} over an added axis of length 1 (an
     * identity whose dtype argument converts the input inside the differentiable operation);
     * otherwise it uses {@code toType}.
     */
    public static NDArray cast(NDArray x, DataType type) {
        if (x.getDataType() == type) {
            return x;
        }
        if (!JniUtils.isGradMode()) {
            return x.toType(type, false);
        }
        NDArray column = x.expandDims(-1);
        NDArray converted = JniUtils.cumProd((PtNDArray) column, -1, type);
        column.close();
        NDArray result = converted.squeeze(-1);
        converted.close();
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
