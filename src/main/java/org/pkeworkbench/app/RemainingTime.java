package org.pkeworkbench.app;

import java.util.Locale;

/**
 * Estimates the time a task has left from its progress fraction, by linear extrapolation of the
 * time spent so far: {@code elapsed * (1 - fraction) / fraction}.
 *
 * <p>No estimate is given before {@link #MIN_FRACTION} of the work or {@link #MIN_ELAPSED_NANOS}
 * have passed, nor while progress is unknown. When the fraction goes backwards (a task reports a
 * new phase from zero), the estimate starts again from that moment.
 *
 * <p>Not thread-safe: one instance per task, fed from the task's thread.
 */
final class RemainingTime {

    static final double MIN_FRACTION = 0.02;
    static final long MIN_ELAPSED_NANOS = 2_000_000_000L;

    private long startNanos;
    private double startFraction;
    private double lastFraction;

    RemainingTime(long startNanos) {
        this.startNanos = startNanos;
    }

    /**
     * Records progress {@code fraction} at {@code nowNanos} and returns the estimated seconds left,
     * or a negative value when there is no estimate yet.
     */
    double update(double fraction, long nowNanos) {
        if (fraction < 0) {
            return -1;
        }
        if (fraction < lastFraction) {
            startNanos = nowNanos;
            startFraction = fraction;
        }
        lastFraction = fraction;

        double done = fraction - startFraction;
        long elapsed = nowNanos - startNanos;
        if (done < MIN_FRACTION || elapsed < MIN_ELAPSED_NANOS || fraction >= 1) {
            return -1;
        }
        return elapsed / 1e9 * (1 - fraction) / done;
    }

    /** Formats {@code seconds} left for the status bar, for example "about 40 s left" or "about 3 min left". */
    static String describe(double seconds) {
        if (seconds < 0) {
            return "";
        }
        if (seconds < 60) {
            long rounded = Math.max(5, Math.round(seconds / 5) * 5);
            return "about " + rounded + " s left";
        }
        if (seconds < 3600) {
            return "about " + Math.round(seconds / 60) + " min left";
        }
        return String.format(Locale.ROOT, "about %.1f h left", seconds / 3600);
    }
}
