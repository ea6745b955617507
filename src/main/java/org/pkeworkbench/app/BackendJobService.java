package org.pkeworkbench.app;

import org.pkeworkbench.model.ProgressListener;
import java.util.concurrent.Executor;
import javafx.concurrent.Service;
import javafx.concurrent.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link BackendJob}s one at a time on the given executor and exposes the running job's
 * progress and message for the status bar.
 *
 * <p>{@link #cancel()} marks the task cancelled and interrupts its thread. The backend call may
 * keep running until it notices, so the executor must be single-threaded: a job submitted right
 * after a cancel then waits until the cancelled call has returned and restored the model.
 */
final class BackendJobService extends Service<Object> {

    private static final Logger LOG = LoggerFactory.getLogger(BackendJobService.class);

    private BackendJob<?> job;

    BackendJobService(Executor singleThreadExecutor) {
        setExecutor(singleThreadExecutor);
    }

    /**
     * Starts {@code next}. Call on the JavaFX thread.
     *
     * @throws IllegalStateException if a job is still running
     */
    void submit(BackendJob<?> next) {
        if (isRunning()) {
            throw new IllegalStateException("Cannot start " + next.title() + " while " + job.title() + " is running");
        }
        job = next;
        // Not restart(), which cancels the finished task first and so fires onCancelled for it.
        if (getState() != State.READY) {
            reset();
        }
        start();
    }

    /** Returns the job started last, or null before the first. */
    BackendJob<?> job() {
        return job;
    }

    @Override
    protected Task<Object> createTask() {
        return new JobTask(job);
    }

    /** Bridges a backend call's {@link ProgressListener} to the task's progress and message. */
    private static final class JobTask extends Task<Object> {

        private final BackendJob<?> job;

        private JobTask(BackendJob<?> job) {
            this.job = job;
        }

        @Override
        protected Object call() throws Exception {
            long startNanos = System.nanoTime();
            LOG.info("{} started", job.title());
            updateMessage(job.title() + "…");
            updateProgress(-1, 1);
            RemainingTime remaining = new RemainingTime(startNanos);

            Object value = job.call().run(new ProgressListener() {
                private String lastMessage = job.title() + "…";

                @Override
                public void update(double fraction, String message) {
                    double clamped = fraction < 0 ? -1 : Math.min(fraction, 1);
                    updateProgress(clamped, 1);
                    if (message != null) {
                        lastMessage = message;
                    }
                    String estimate = RemainingTime.describe(remaining.update(clamped, System.nanoTime()));
                    updateMessage(estimate.isEmpty() ? lastMessage : lastMessage + " (" + estimate + ")");
                }

                @Override
                public boolean isCancelled() {
                    return JobTask.this.isCancelled();
                }
            });

            LOG.info("{} finished in {} ms", job.title(), (System.nanoTime() - startNanos) / 1_000_000);
            return value;
        }
    }
}
