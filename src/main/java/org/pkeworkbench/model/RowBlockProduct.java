package org.pkeworkbench.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes {@code x @ weight^T} for a few input rows as one batched product over blocks of the
 * weight's output neurons, so that libtorch runs it on all its CPU threads.
 *
 * <p>On an AMD EPYC, libtorch computed {@code linear} with one input row (a decode step) on a
 * single thread, and in MKL's default mode with 2 to 32 rows at even lower throughput, so a
 * decode step read the weights at about half the memory bandwidth. Viewing
 * {@code weight [out, in]} as {@code [blocks, out / blocks, in]} turns the same product into a
 * batched one, which libtorch spreads over its intra-op threads. The view copies no weights, and each output is the same
 * dot product over the same weight row as before. On that machine it made decode of the 642 MiB
 * benchmark model 1.4 to 1.7 times as fast (docs/benchmarks.md).
 *
 * <p>Weights stored as {@code [in, out]} (GPT-2's Conv1D) are split the same way into blocks of
 * output columns, {@code [in, blocks, out / blocks]} viewed as {@code [blocks, in, out / blocks]}:
 * for a {@code [1600, 6400]} weight one row took 1.0 to 1.2 ms in two blocks against 1.7 to 1.8 ms.
 *
 * <p>Applies only without gradient recording, so locate and edit passes compute as before. By
 * default it applies on CPUs whose vendor is not Intel's. On an Intel Xeon with AMX (2 virtual
 * cores), libtorch already computed one input row on both threads, 2.8 ms against
 * 5.7 ms on one for a {@code [32000, 1024]} weight, and decode of the 642 MiB model was 2 to 6
 * percent slower with the split. The system property {@value #PROPERTY} takes {@code true}
 * (split on every CPU), {@code false} (never, for example to measure decode with libtorch's
 * product as it is) or {@code auto} (the default).
 */
public final class RowBlockProduct {

    /** System property: {@code true}, {@code false} or {@code auto} (by the CPU's vendor). */
    public static final String PROPERTY = "pke.row.block.products";

    /** Smallest weight, in elements, that is split: for smaller weights the split costs more than it saves. */
    static final long MIN_WEIGHT_ELEMENTS = 1L << 20;

    /** Largest number of input rows that is split. Prompt prefill, with more rows, multiplies as it is. */
    static final long MAX_ROWS = 32;

    private static final Logger LOG = LoggerFactory.getLogger(RowBlockProduct.class);

    private static volatile boolean invalidValueLogged;
    private static volatile String loggedDecision;

    private RowBlockProduct() {}

    /**
     * Returns whether the split is turned on: by {@value #PROPERTY}, or where it is unset or
     * {@code auto}, on CPUs other than Intel's. Any other value is logged once and read as {@code auto}.
     */
    public static boolean enabled() {
        String value = System.getProperty(PROPERTY);
        return switch (setting(value)) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> ByVendor.ENABLED;
            case INVALID -> {
                if (!invalidValueLogged) {
                    invalidValueLogged = true;
                    LOG.warn("-D{}={} is invalid: use true, false or auto; the CPU's vendor decides", PROPERTY, value);
                }
                yield ByVendor.ENABLED;
            }
        };
    }

    /** Returns the reason for what {@link #enabled} returns, for logs and benchmark output. */
    public static String reason() {
        String value = System.getProperty(PROPERTY);
        return switch (setting(value)) {
            case ON, OFF -> "-D" + PROPERTY + "=" + value.toLowerCase(Locale.ROOT);
            case AUTO -> ByVendor.REASON;
            case INVALID -> ByVendor.REASON + "; -D" + PROPERTY + "=" + value + " is invalid and was ignored";
        };
    }

    /** A value of {@value #PROPERTY}; unset counts as {@code AUTO}. */
    private enum Setting { ON, OFF, AUTO, INVALID }

    private static Setting setting(String value) {
        if (value == null || value.equalsIgnoreCase("auto")) {
            return Setting.AUTO;
        }
        if (value.equalsIgnoreCase("true")) {
            return Setting.ON;
        }
        return value.equalsIgnoreCase("false") ? Setting.OFF : Setting.INVALID;
    }

    /**
     * Logs whether products on {@code device} are split and why, once per outcome in a process.
     * Called when a model is loaded, so that the log names it before the first decode step.
     */
    static void logDecision(Device device) {
        if (!Device.cpu().equals(device)) {
            return;
        }
        boolean enabled = enabled(); // warns about an invalid value
        String reason = reason();
        String decision = reason.startsWith("-D")
                ? (enabled ? "on, set by " : "off, set by ") + reason
                : reason + "; -D" + PROPERTY + "=true|false|auto changes it";
        if (!decision.equals(loggedDecision)) {
            loggedDecision = decision;
            LOG.info("Row-block products for decode: {}", decision);
        }
    }

    /** The default, decided once per process from the CPU's vendor. */
    private static final class ByVendor {
        private static final Optional<String> VENDOR = CpuInfo.current().vendor();
        static final boolean ENABLED = defaultFor(VENDOR);
        static final String REASON = (ENABLED ? "on by default on " : "off by default on ")
                + VENDOR.orElse("a CPU of unknown make");
    }

    /** Returns the default for a CPU vendor: off on Intel's CPUs, where libtorch threads one-row products itself. */
    static boolean defaultFor(Optional<String> vendor) {
        return !vendor.map("GenuineIntel"::equals).orElse(false);
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
