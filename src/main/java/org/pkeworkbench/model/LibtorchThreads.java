package org.pkeworkbench.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets libtorch's intra-op threads: how many threads one operation on the CPU runs on. libtorch
 * starts one per core. When other programs keep some cores busy, its threads wait for each other
 * at the end of every operation, so fewer threads are faster. On 2 cores with one kept busy, one
 * thread decoded 2.5 to 2.8 times as fast as two (docs/benchmarks.md, "A busy CPU").
 *
 * <p>libtorch keeps the count per thread. {@link #set} changes it for the calling thread and for
 * every thread that runs its first libtorch operation afterwards. A thread that already ran
 * operations keeps its count. So call it on the thread that runs the model, or before any thread
 * has run one.
 *
 * <p>Example: {@code LibtorchThreads.set(1);} before a model runs.
 */
public final class LibtorchThreads {

    private static final Logger LOG = LoggerFactory.getLogger(LibtorchThreads.class);

    private LibtorchThreads() {}

    /** Returns the calling thread's libtorch intra-op thread count, loading libtorch first if needed. */
    public static int current() {
        Engine.getEngine("PyTorch");
        return JniUtils.getNumThreads();
    }

    /** Returns the most threads {@link #set} accepts: the processors available to the JVM. */
    public static int maximum() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Returns why {@code threads} cannot be set, with {@code name} as the value's name in the
     * message, or empty when it can.
     */
    public static Optional<String> problem(String name, int threads) {
        if (threads < 1) {
            return Optional.of(name + " must be at least 1, got " + threads);
        }
        if (threads > maximum()) {
            return Optional.of(name + " must be at most " + maximum() + ", the processors of this machine, got "
                    + threads + "; more threads than processors only wait for each other");
        }
        return Optional.empty();
    }

    /**
     * Sets libtorch's intra-op thread count of the calling thread and of threads that have not run
     * a libtorch operation yet, loading libtorch first if needed.
     *
     * @param threads threads per operation, from 1 to {@link #maximum()}
     * @throws IllegalArgumentException for another count
     */
    public static void set(int threads) {
        Optional<String> problem = problem("libtorch's thread count", threads);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        int before = current();
        JniUtils.setNumThreads(threads);
        if (before == threads) {
            // A command that loads two models (win-rate with a judge model) sets the same count twice.
            LOG.debug("libtorch threads per operation stay {} on thread '{}'", threads, Thread.currentThread().getName());
            return;
        }
        LOG.info("libtorch threads per operation: {} (was {}) on thread '{}' and threads started after it",
                threads, before, Thread.currentThread().getName());
    }
}
