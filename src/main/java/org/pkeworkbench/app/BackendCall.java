package org.pkeworkbench.app;

import org.pkeworkbench.model.ProgressListener;

/** One call into the {@link WorkbenchBackend}, run off the JavaFX thread. */
@FunctionalInterface
interface BackendCall<T> {

    T run(ProgressListener progress) throws Exception;
}
