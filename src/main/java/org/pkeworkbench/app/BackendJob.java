package org.pkeworkbench.app;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * A backend call with a title for the status bar and logs, and the handler that receives its
 * result on the JavaFX thread.
 *
 * @param title what the user started, for example "Locate"
 * @param call runs on the background thread
 * @param onSuccess runs on the JavaFX thread with the call's result
 */
record BackendJob<T>(String title, BackendCall<T> call, Consumer<? super T> onSuccess) {

    BackendJob {
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(onSuccess, "onSuccess");
    }

    /** Passes {@code value}, which this job's call returned, to {@link #onSuccess()}. */
    @SuppressWarnings("unchecked")
    void deliver(Object value) {
        onSuccess.accept((T) value);
    }
}
