package org.pkeworkbench.model;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes glibc return freed libtorch buffers to the operating system, so the resident memory of a
 * long session tracks what the model uses now, not the largest batch it ever ran.
 *
 * <p>By default glibc raises its mmap threshold after large buffers are freed, and then serves
 * later large buffers from the heap, which it rarely gives back. Fixing the mmap threshold and
 * the trim threshold at 128 KiB ({@code mallopt(M_MMAP_THRESHOLD)}, {@code mallopt(M_TRIM_THRESHOLD)})
 * keeps every large tensor in its own mapping, unmapped when freed.
 *
 * <p>It is a trade: fresh mappings must be paged in, which made prefill about 15% and decode
 * about 7% slower on a 2-layer, 1024-wide benchmark model. Decode no longer keeps every
 * step's keys and values, so the memory it saves is small now. On the 8-layer benchmark model the
 * inference peak fell from 1.31 to 1.25 times the weight bytes, and the peak of a run with edits
 * fell by 250 MiB (docs/benchmarks.md). Tensors of 32 MiB and more, such as a 7B model's matrices,
 * are mapped either way, so the difference shrinks with model size. It is therefore off unless
 * {@code -Dpke.malloc.tuning=true} is given, and applies on Linux with glibc only. Applied once
 * per process.
 */
public final class NativeMemoryTuning {

    private static final Logger LOG = LoggerFactory.getLogger(NativeMemoryTuning.class);

    /** System property that turns the tuning on when set to {@code true}. */
    public static final String PROPERTY = "pke.malloc.tuning";

    /** glibc's {@code M_TRIM_THRESHOLD} option of {@code mallopt}. */
    private static final int M_TRIM_THRESHOLD = -1;
    /** glibc's {@code M_MMAP_THRESHOLD} option of {@code mallopt}. */
    private static final int M_MMAP_THRESHOLD = -3;
    private static final int THRESHOLD_BYTES = 128 * 1024;
    /** glibc's largest automatic mmap threshold on 64-bit systems, 32 MiB. */
    private static final int TRAINING_MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024;

    private static boolean applied;
    private static int trainingDepth;

    private NativeMemoryTuning() {}

    /**
     * Raises the mmap threshold to 32 MiB until the returned handle is closed, for optimiser steps.
     * They allocate and free the same matrix-sized temporaries every step. Serving those from
     * freshly mapped pages made an edit step about 40% slower on the benchmark model. Nested calls
     * are counted, and the last close restores the 128 KiB threshold. Does nothing when the tuning
     * is not in effect.
     */
    public static synchronized AutoCloseableNoThrow trainingPhase() {
        if (!applied) {
            return () -> {};
        }
        if (trainingDepth++ == 0) {
            mallopt(M_MMAP_THRESHOLD, TRAINING_MMAP_THRESHOLD_BYTES);
        }
        return NativeMemoryTuning::endTrainingPhase;
    }

    private static synchronized void endTrainingPhase() {
        if (--trainingDepth == 0) {
            mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES);
        }
    }

    /** Returns how many training phases are open, for tests. */
    static synchronized int trainingDepth() {
        return trainingDepth;
    }

    private static void mallopt(int option, int value) {
        try {
            NativeLibrary.getInstance("c").getFunction("mallopt").invokeInt(new Object[] {option, value});
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.warn("mallopt({}, {}) failed: {}", option, value, e.toString());
        }
    }

    /**
     * Asks glibc to give memory that is freed but kept in its heaps back to the operating system
     * ({@code malloc_trim(0)}), so that the resident size read next counts what is in use. A
     * benchmark calls it before each memory window. Without it, the buffers of earlier loads or
     * passes stay resident and are counted as if the next step needed them. Does nothing outside
     * Linux or where the C library has no {@code malloc_trim}.
     *
     * @return whether glibc released any memory
     */
    public static boolean trimFreeMemory() {
        if (!onLinux()) {
            return false;
        }
        try {
            return NativeLibrary.getInstance("c").getFunction("malloc_trim").invokeInt(new Object[] {0L}) == 1;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.info("malloc_trim unavailable, freed memory stays with the C library: {}", e.toString());
            return false;
        }
    }

    /** A handle whose close throws no checked exception. */
    @FunctionalInterface
    public interface AutoCloseableNoThrow extends AutoCloseable {
        @Override
        void close();
    }

    /** Applies the tuning once; returns whether it is in effect. */
    public static synchronized boolean apply() {
        if (applied) {
            return true;
        }
        if (!"true".equalsIgnoreCase(System.getProperty(PROPERTY))) {
            return false;
        }
        if (!onLinux()) {
            return false;
        }
        try {
            Function mallopt = NativeLibrary.getInstance("c").getFunction("mallopt");
            boolean mmap = mallopt.invokeInt(new Object[] {M_MMAP_THRESHOLD, THRESHOLD_BYTES}) == 1;
            boolean trim = mallopt.invokeInt(new Object[] {M_TRIM_THRESHOLD, THRESHOLD_BYTES}) == 1;
            applied = mmap && trim;
            LOG.info("glibc malloc: mmap and trim thresholds fixed at {} KiB: {}", THRESHOLD_BYTES / 1024,
                    applied ? "done" : "mallopt rejected them");
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            // musl and other C libraries have no mallopt; the process then keeps the default behaviour.
            LOG.info("glibc malloc tuning unavailable, keeping the C library's defaults: {}", e.toString());
        }
        return applied;
    }

    /** Returns whether this is Linux, where glibc's malloc functions may be present. */
    private static boolean onLinux() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
    }
}
