package org.pkeworkbench.app;

import java.util.concurrent.CancellationException;

/**
 * Progress sink and cancellation flag for one long backend call.
 *
 * <p>The workbench passes one listener per call and invokes the call on a background thread.
 * Cancelling also interrupts that thread, so a backend may check either {@link #isCancelled()} or
 * {@link Thread#isInterrupted()}.
 */
public interface ProgressListener {

    /** A listener that ignores progress and is never cancelled, for callers without a UI. */
    ProgressListener NONE = new ProgressListener() {
        @Override
        public void update(double fraction, String message) {}

        @Override
        public boolean isCancelled() {
            return false;
        }
    };

    /**
     * Reports progress. Safe to call from any thread.
     *
     * @param fraction done so far, in [0, 1], or a negative value when unknown
     * @param message one line for the status bar, for example "Locate: layer 3 of 32"
     */
    void update(double fraction, String message);

    /** Returns true once the user has cancelled the call. */
    boolean isCancelled();

    /** Throws {@link CancellationException} if the user has cancelled or the thread was interrupted. */
    default void throwIfCancelled() {
        if (isCancelled() || Thread.currentThread().isInterrupted()) {
            throw new CancellationException("Cancelled by the user");
        }
    }
}
