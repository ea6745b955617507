package org.pkeworkbench.model;

import java.util.concurrent.CancellationException;

/**
 * Receives progress of a long core task and tells it whether to stop. Core code calls
 * {@link #checkCancelled()} between units of work.
 */
public interface ProgressListener {

    ProgressListener NONE = (fraction, message) -> {};

    /** Reports progress; {@code fraction} is in [0, 1], or negative when unknown. */
    void update(double fraction, String message);

    /** True when the caller asked the task to stop; the default also honours thread interruption. */
    default boolean isCancelled() {
        return Thread.currentThread().isInterrupted();
    }

    /**
     * Returns a listener for a sub-task that maps its progress range [0, 1] onto [from, to] of this
     * one and shares its cancellation.
     */
    default ProgressListener scaled(double from, double to) {
        ProgressListener parent = this;
        return new ProgressListener() {
            @Override
            public void update(double fraction, String message) {
                parent.update(fraction < 0 ? fraction : from + (to - from) * fraction, message);
            }

            @Override
            public boolean isCancelled() {
                return parent.isCancelled();
            }
        };
    }

    /** Returns a listener that puts {@code prefix} before every message and shares this one's cancellation. */
    default ProgressListener prefixed(String prefix) {
        ProgressListener parent = this;
        return new ProgressListener() {
            @Override
            public void update(double fraction, String message) {
                parent.update(fraction, prefix + message);
            }

            @Override
            public boolean isCancelled() {
                return parent.isCancelled();
            }
        };
    }

    /** Throws {@link CancellationException} when the task should stop or its thread was interrupted. */
    default void checkCancelled() {
        if (isCancelled() || Thread.currentThread().isInterrupted()) {
            throw new CancellationException("Cancelled by the user");
        }
    }
}
