package org.pkeworkbench.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets libtorch's intra-op threads: how many threads one operation on the CPU runs on. libtorch
 * starts one per core. When other programs keep some cores busy, its threads wait for each other
 * at the end of every operation, so fewer threads are faster. On 2 cores with one kept busy, one
 * thread decoded 2.5 to 2.8 times as fast as two (docs/benchmarks.md, "A busy CPU").
 *
 * <p>Example: {@code LibtorchThreads.set(1);} before a model runs.
 */
public final class LibtorchThreads {

    private static final Logger LOG = LoggerFactory.getLogger(LibtorchThreads.class);

    private LibtorchThreads() {}

    /** Returns libtorch's intra-op thread count, loading libtorch first if needed. */
    public static int current() {
        Engine.getEngine("PyTorch");
        return JniUtils.getNumThreads();
    }

    /**
     * Sets libtorch's intra-op thread count for the rest of the process, loading libtorch first if
     * needed.
     *
     * @param threads threads per operation, at least 1
     * @throws IllegalArgumentException for fewer than 1 thread
     */
    public static void set(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("libtorch needs at least 1 thread, got " + threads);
        }
        int before = current();
        JniUtils.setNumThreads(threads);
        LOG.info("libtorch threads per operation: {} (was {})", threads, before);
    }
}
