package org.pkeworkbench.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes {@code x @ weight^T} for a few input rows as one batched product over blocks of the
 * weight's output neurons, so that libtorch runs it on all its CPU threads.
 *
 * <p>On the CPU, libtorch computes {@code linear} with one input row (a decode step) on a single
 * thread, and in MKL's default mode on an AMD EPYC with 2 to 32 rows at even lower throughput, so
 * a decode step reads the weights at about half the memory bandwidth. Viewing
 * {@code weight [out, in]} as {@code [blocks, out / blocks, in]} turns the same product into a
 * batched one, which libtorch spreads over its intra-op threads. The view copies no weights, and each output is the same
 * dot product over the same weight row as before. On the 642 MiB benchmark model this made
 * decode 1.4 to 1.7 times as fast (docs/benchmarks.md).
 *
 * <p>Weights stored as {@code [in, out]} (GPT-2's Conv1D) are split the same way into blocks of
 * output columns, {@code [in, blocks, out / blocks]} viewed as {@code [blocks, in, out / blocks]}:
 * for a {@code [1600, 6400]} weight one row took 1.0 to 1.2 ms in two blocks against 1.7 to 1.8 ms.
 *
 * <p>Applies only without gradient recording, so locate and edit passes compute as before. The
 * system property {@value #PROPERTY}{@code =false} turns it off, for example to measure decode
 * with libtorch's product as it is.
 */
public final class RowBlockProduct {

    /** System property that turns the split off when set to {@code false}. */
    public static final String PROPERTY = "pke.row.block.products";

    /** Smallest weight, in elements, that is split: for smaller weights the split costs more than it saves. */
    static final long MIN_WEIGHT_ELEMENTS = 1L << 20;

    /** Largest number of input rows that is split. Prompt prefill, with more rows, multiplies as it is. */
    static final long MAX_ROWS = 32;

    private static final Logger LOG = LoggerFactory.getLogger(RowBlockProduct.class);

    private static volatile boolean invalidValueLogged;

    private RowBlockProduct() {}

    /** Returns true unless {@value #PROPERTY} is {@code false}. Any other value is logged once and ignored. */
    public static boolean enabled() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        if (!invalidValueLogged) {
            invalidValueLogged = true;
            LOG.warn("-D{}={} is invalid: use true or false; row blocks stay on", PROPERTY, value);
        }
        return true;
    }

    /** Returns whether products on {@code device} can be split: turned on, the CPU, and 2 or more libtorch intra-op threads. */
    public static boolean appliesOn(Device device) {
        return enabled() && Device.cpu().equals(device) && JniUtils.getNumThreads() >= 2;
    }

    /** Returns the number of row blocks a product on {@code device} uses for a weight with {@code out} rows, or 0 for no split. */
    static int blocksFor(Device device, long out) {
        // blockCount returns 0 for fewer than 2 threads, so the thread count is read once per product.
        return enabled() && Device.cpu().equals(device) ? blockCount(out, JniUtils.getNumThreads()) : 0;
    }

    /**
     * Returns {@code x @ weight^T} computed in row blocks, or {@code null} when the split does not
     * apply: it is turned off, gradients are recorded, {@code x} has more than {@link #MAX_ROWS}
     * rows, the weight is not FLOAT32, not on the CPU or has fewer than
     * {@link #MIN_WEIGHT_ELEMENTS} elements, or {@link #blocksFor} gives no block count. FLOAT16
     * products are left alone: on the CPU, decode of a 7B-size FLOAT16 model read its weights at
     * 30 GB/s as it was, and took 0.53 instead of 0.46 s per token with the split.
     *
     * @param x {@code [..., in]}
     * @param weight {@code [out, in]}
     * @return {@code [..., out]}, owned by {@code x}'s manager, or {@code null}
     */
    static NDArray tryCompute(NDArray x, NDArray weight) {
        return tryCompute(x, weight, true);
    }

    /**
     * Returns {@code x @ weight} for a weight stored as {@code [in, out]}, computed in blocks of
     * output columns, or {@code null} where {@link #tryCompute(NDArray, NDArray)} would return it.
     *
     * @param x {@code [..., in]}
     * @param weight {@code [in, out]}
     * @return {@code [..., out]}, owned by {@code x}'s manager, or {@code null}
     */
    public static NDArray tryComputeInOut(NDArray x, NDArray weight) {
        return tryCompute(x, weight, false);
    }

    private static NDArray tryCompute(NDArray x, NDArray weight, boolean outInLayout) {
        Shape shape = x.getShape();
        long rows = shape.size() / shape.get(shape.dimension() - 1);
        if (rows > MAX_ROWS || weight.size() < MIN_WEIGHT_ELEMENTS || weight.getDataType() != DataType.FLOAT32
                || JniUtils.isGradMode()) {
            return null;
        }
        int blocks = blocksFor(weight.getDevice(), weight.getShape().get(outInLayout ? 0 : 1));
        return blocks == 0 ? null : compute(x, weight, blocks, outInLayout);
    }

    /**
     * Multiplies {@code x} by the weight split into {@code blocks} blocks of output neurons;
     * {@code blocks} must divide the number of outputs. The result and the views it makes belong
     * to {@code x}'s manager.
     *
     * @param x {@code [..., in]}
     * @param weight {@code [out, in]} when {@code outInLayout}, else {@code [in, out]}
     * @return {@code [..., out]}
     */
    static NDArray compute(NDArray x, NDArray weight, int blocks, boolean outInLayout) {
        Shape shape = x.getShape();
        long in = shape.get(shape.dimension() - 1);
        long rows = shape.size() / in;
        long out = weight.getShape().get(outInLayout ? 0 : 1);

        // A view derived from the weight would join the model's manager and stay there until the
        // model closes. So it goes to x's manager (the pass's scope), and its transpose follows it.
        NDArray split = outInLayout
                ? weight.reshape(blocks, out / blocks, in)
                : weight.reshape(in, blocks, out / blocks);
        split.attach(x.getManager());
        // -> [blocks, in, out / blocks], a view in both layouts
        NDArray blocked = outInLayout ? split.transpose(0, 2, 1) : split.transpose(1, 0, 2);

        // [1, rows, in] @ [blocks, in, out / blocks] -> [blocks, rows, out / blocks]
        NDArray products = x.reshape(1, rows, in).matMul(blocked);

        // -> [rows, blocks, out / blocks] -> [..., out]; this copies only when rows > 1.
        long[] resultShape = shape.getShape().clone(); // getShape() returns the Shape's own array
        resultShape[resultShape.length - 1] = out;
        return products.transpose(1, 0, 2).reshape(new Shape(resultShape));
    }

    /** Returns the smallest block count from {@code threads} to {@code 2 * threads} that divides {@code out}, or 0 if none does or for one thread. */
    static int blockCount(long out, int threads) {
        if (threads < 2) {
            return 0;
        }
        for (int blocks = threads; blocks <= 2 * threads; blocks++) {
            if (out % blocks == 0) {
                return blocks;
            }
        }
        return 0;
    }
}
