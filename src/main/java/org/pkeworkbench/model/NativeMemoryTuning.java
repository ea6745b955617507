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
 * keeps every large tensor in its own mapping, unmapped when freed. On the benchmark model this
 * cut the anonymous memory after inference from about 1 GiB to about 0.3 GiB at the same decode
 * speed (docs/benchmarks.md).
 *
 * <p>Applies on Linux with glibc only; elsewhere, or with {@code -Dpke.malloc.tuning=false}, it
 * does nothing. Applied once per process.
 */
public final class NativeMemoryTuning {

    private static final Logger LOG = LoggerFactory.getLogger(NativeMemoryTuning.class);

    /** System property that turns the tuning off when set to {@code false}. */
    public static final String PROPERTY = "pke.malloc.tuning";

    /** glibc's {@code M_TRIM_THRESHOLD} option of {@code mallopt}. */
    private static final int M_TRIM_THRESHOLD = -1;
    /** glibc's {@code M_MMAP_THRESHOLD} option of {@code mallopt}. */
    private static final int M_MMAP_THRESHOLD = -3;
    private static final int THRESHOLD_BYTES = 128 * 1024;

    private static boolean applied;

    private NativeMemoryTuning() {}

    /** Applies the tuning once; returns whether it is in effect. */
    public static synchronized boolean apply() {
        if (applied) {
            return true;
        }
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))) {
            LOG.info("glibc malloc tuning is off (-D{}=false)", PROPERTY);
            return false;
        }
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
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
}
