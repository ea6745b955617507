package org.pkeworkbench.app;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;

/**
 * Measures how long the JavaFX application thread stays busy between two probe ticks.
 *
 * <p>A timer posts a tick to the JavaFX thread every {@link #PERIOD_MILLIS} ms. Each tick reads the
 * thread's CPU time; the CPU time spent between two ticks is work that held up the event queue.
 * CPU time, unlike wall time, does not grow while the thread waits for a core or for garbage
 * collection, so a busy test machine does not make the UI look blocked. Wall-clock gaps are kept
 * too, for the log.
 */
final class FxThreadProbe implements AutoCloseable {

    static final long PERIOD_MILLIS = 10;

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "fx-thread-probe");
        thread.setDaemon(true);
        return thread;
    });

    // Read and written on the JavaFX thread only; the maxima are read after close().
    private long lastCpuNanos = -1;
    private long lastWallNanos = -1;
    private volatile long maxBusyCpuNanos;
    private volatile long maxWallGapNanos;
    private volatile long ticks;

    /** Starts probing; call {@link #close()} to stop. */
    static FxThreadProbe start() {
        if (!ManagementFactory.getThreadMXBean().isCurrentThreadCpuTimeSupported()) {
            throw new IllegalStateException("This JVM cannot read a thread's CPU time; the probe needs it");
        }
        FxThreadProbe probe = new FxThreadProbe();
        probe.timer.scheduleAtFixedRate(() -> Platform.runLater(probe::tick), 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        return probe;
    }

    private void tick() {
        long cpu = threads.getCurrentThreadCpuTime();
        long wall = System.nanoTime();
        if (lastCpuNanos >= 0) {
            maxBusyCpuNanos = Math.max(maxBusyCpuNanos, cpu - lastCpuNanos);
            maxWallGapNanos = Math.max(maxWallGapNanos, wall - lastWallNanos);
        }
        lastCpuNanos = cpu;
        lastWallNanos = wall;
        ticks++;
    }

    /** Returns the maximum JavaFX-thread CPU time between two ticks, in milliseconds. */
    double maxBusyMillis() {
        return maxBusyCpuNanos / 1e6;
    }

    /** Returns the maximum wall-clock time between two ticks, in milliseconds, waiting for a core included. */
    double maxWallGapMillis() {
        return maxWallGapNanos / 1e6;
    }

    long ticks() {
        return ticks;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
