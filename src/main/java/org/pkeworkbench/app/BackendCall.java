package org.pkeworkbench.app;

/** One call into the {@link WorkbenchBackend}, run off the JavaFX thread. */
@FunctionalInterface
interface BackendCall<T> {

    T run(ProgressListener progress) throws Exception;
}
