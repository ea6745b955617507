package org.pkeworkbench.app;

import java.util.List;
import java.util.Objects;
import javafx.animation.PauseTransition;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.value.ChangeListener;
import javafx.concurrent.Worker;
import javafx.util.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the workbench's story on the demo model, one step after another, with a pause between
 * steps so an audience can follow: each step starts a background job (or acts at once), and the
 * next step starts {@code pause} after the job succeeded. A failed or cancelled job, or
 * {@link #stop()}, ends the tour; the window stays as the last finished step left it.
 *
 * <p>Runs on the JavaFX thread only.
 */
final class DemoTour {

    private static final Logger LOG = LoggerFactory.getLogger(DemoTour.class);

    /**
     * One step of the tour.
     *
     * @param caption the text shown above the tabs while the step runs
     * @param action starts the step on the JavaFX thread
     * @param startsJob whether {@code action} submits a background job to wait for
     */
    record Step(String caption, Runnable action, boolean startsJob) {

        Step {
            Objects.requireNonNull(caption, "caption");
            Objects.requireNonNull(action, "action");
        }
    }

    private final List<Step> steps;
    private final Worker<?> worker;
    private Duration pause;
    private final ReadOnlyStringWrapper caption = new ReadOnlyStringWrapper(this, "caption", "");
    private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper(this, "running", false);
    private final ChangeListener<Worker.State> jobListener = (observable, oldState, newState) -> jobChanged(newState);
    private PauseTransition waiting;
    private int next;
    private boolean awaitingJob;
    private String outcome = "";

    /**
     * @param steps the story in order
     * @param worker the window's background job service, whose end states move the tour on
     * @param pause time between a step's end and the next step's start
     */
    DemoTour(List<Step> steps, Worker<?> worker, Duration pause) {
        this.steps = List.copyOf(steps);
        this.worker = worker;
        this.pause = pause;
    }

    /** Sets the time between steps, from the next pause on; zero runs the steps back to back. */
    void setPause(Duration next) {
        pause = Objects.requireNonNull(next, "pause");
    }

    /** Starts the tour from its first step. */
    void start() {
        if (running.get()) {
            return;
        }
        LOG.info("Demo tour started: {} steps, {} ms pauses", steps.size(), (long) pause.toMillis());
        next = 0;
        outcome = "";
        running.set(true);
        worker.stateProperty().addListener(jobListener);
        runNext();
    }

    /** Ends the tour after the step that is running; a running job is not cancelled. */
    void stop() {
        finish("Demo tour stopped");
    }

    private void runNext() {
        if (!running.get()) {
            return;
        }
        if (next == steps.size()) {
            finish("Demo tour finished");
            return;
        }
        Step step = steps.get(next++);
        caption.set(String.format("Demo %d/%d: %s", next, steps.size(), step.caption()));
        LOG.info("Demo tour step {}: {}", next, step.caption());
        awaitingJob = step.startsJob();
        step.action().run();
        if (!step.startsJob()) {
            pauseThenRunNext();
        } else if (!worker.isRunning()) {
            finish("Demo tour ended: step " + next + " could not start");
        }
    }

    private void jobChanged(Worker.State state) {
        if (!awaitingJob || !running.get()) {
            return;
        }
        switch (state) {
            case SUCCEEDED -> {
                awaitingJob = false;
                pauseThenRunNext();
            }
            case FAILED -> finish("Demo tour ended: step " + next + " failed");
            case CANCELLED -> finish("Demo tour ended: step " + next + " was cancelled");
            default -> {
                // READY, SCHEDULED and RUNNING: the step's job is still under way.
            }
        }
    }

    private void pauseThenRunNext() {
        waiting = new PauseTransition(pause);
        waiting.setOnFinished(event -> runNext());
        waiting.play();
    }

    private void finish(String message) {
        if (!running.get()) {
            return;
        }
        if (waiting != null) {
            waiting.stop();
        }
        worker.stateProperty().removeListener(jobListener);
        awaitingJob = false;
        outcome = message;
        caption.set("");
        running.set(false);
        LOG.info("{} after {} of {} steps", message, next, steps.size());
    }

    /** Returns the caption of the running step, empty when the tour is not running. */
    ReadOnlyStringProperty captionProperty() {
        return caption.getReadOnlyProperty();
    }

    ReadOnlyBooleanProperty runningProperty() {
        return running.getReadOnlyProperty();
    }

    /** Returns how the last tour ended, for example "Demo tour finished", or empty before the first ends. */
    String outcome() {
        return outcome;
    }
}
