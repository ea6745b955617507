package org.pkeworkbench.cli;

import org.pkeworkbench.model.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A progress listener for long commands that logs "[42%] message" lines, at most one every
 * {@link #INTERVAL_NANOS} while a phase runs, plus the first line of each new phase and the last
 * line. An edit of the demo model reports about 500 updates, 60 of them "Preparing edit record i
 * of 60" within a few seconds; this keeps the log readable. Thread interruption (Ctrl-C) cancels,
 * as {@link ProgressListener}'s default does.
 */
final class ProgressLog implements ProgressListener {

    private static final Logger LOG = LoggerFactory.getLogger(ProgressLog.class);

    /** The minimum time between two lines of one phase: 2 s. */
    static final long INTERVAL_NANOS = 2_000_000_000L;

    private String lastPhase = "";
    private long lastNanos;

    @Override
    public void update(double fraction, String message) {
        String phase = phaseOf(message);
        long now = System.nanoTime();
        boolean newPhase = !phase.equals(lastPhase);
        if (newPhase || fraction >= 1 || now - lastNanos >= INTERVAL_NANOS) {
            LOG.info("[{}%] {}", Math.round(fraction * 100), message);
            lastPhase = phase;
            lastNanos = now;
        }
    }

    /** Returns the message up to its first digit, so "Step 3 of 40: loss 2.1" and "Step 4 of 40: ..." share a phase. */
    static String phaseOf(String message) {
        for (int i = 0; i < message.length(); i++) {
            if (Character.isDigit(message.charAt(i))) {
                return message.substring(0, i);
            }
        }
        return message;
    }
}
