package org.pkeworkbench.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Set;
import org.pkeworkbench.model.DecoderModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory-bandwidth bound of KV-cached decoding: every decoded token reads every weight that
 * the forward pass multiplies with once, so a step takes at least (weight bytes) / (read bandwidth).
 *
 * <p>Bandwidth is measured in-process with the engine that decodes: the sum of a
 * {@value #ARRAY_MIB} MiB FLOAT32 array, larger than any CPU cache, by libtorch on the model's
 * device with its default thread count. The sum reads each byte once and writes almost nothing,
 * as a decode step's matrix-vector products do. As in the STREAM benchmark, the fastest of several
 * runs counts, because other processes can only slow a run down. The bound is therefore the
 * tightest that the measurement supports.
 */
final class MemoryBandwidth {

    private static final Logger LOG = LoggerFactory.getLogger(MemoryBandwidth.class);

    static final int ARRAY_MIB = 512;

    private MemoryBandwidth() {}

    /** Measures read bandwidth in bytes per second: one warm-up sum, then the fastest of {@code repeats} timed sums. */
    static double measureReadBytesPerSecond(NDManager parent, int repeats) {
        long elements = (long) ARRAY_MIB * (1 << 20) / Float.BYTES;
        try (NDManager scope = parent.newSubManager()) {
            NDArray data = scope.ones(new Shape(elements));
            double[] seconds = new double[repeats];
            data.sum().getFloat();
            for (int i = 0; i < repeats; i++) {
                long started = System.nanoTime();
                // Reading the scalar back waits for the sum to finish, also on a GPU.
                data.sum().getFloat();
                seconds[i] = (System.nanoTime() - started) / 1e9;
            }
            Arrays.sort(seconds);
            double bytesPerSecond = elements * Float.BYTES / seconds[0];
            LOG.info("Read bandwidth on {}: {} GB/s ({} MiB sum, fastest of {})", parent.getDevice(),
                    String.format(java.util.Locale.ROOT, "%.2f", bytesPerSecond / 1e9), ARRAY_MIB, repeats);
            return bytesPerSecond;
        }
    }

    /**
     * Returns the bytes of weights that one decode step reads: every parameter except the
     * embedding tables that are only indexed (an untied Llama {@code embed_tokens} and GPT-2's
     * position table), since a step reads one row of those. Each parameter counts the bytes of its
     * type in memory (4 for float32, 2 for float16).
     */
    static long decodeWeightBytes(DecoderModel model) {
        Set<String> lookupOnly = model.config().tieWordEmbeddings()
                ? Set.of("wpe.weight")
                : Set.of("model.embed_tokens.weight", "wpe.weight");
        long bytes = 0;
        for (String name : model.parameterNames()) {
            if (!lookupOnly.contains(name)) {
                NDArray parameter = model.parameter(name);
                bytes += parameter.getShape().size() * parameter.getDataType().getNumOfBytes();
            }
        }
        return bytes;
    }
}
