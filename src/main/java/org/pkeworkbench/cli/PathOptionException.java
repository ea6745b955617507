package org.pkeworkbench.cli;

/**
 * A file or folder option that cannot be used, found before any work starts: an output that
 * already exists without {@code --overwrite}, an output inside the model folder, or a path whose
 * folder part is a file. {@link Main} reports it like an invalid option, with exit code 2, so that
 * every path mistake on the command line gets the same code, whichever command finds it.
 *
 * <p>Inputs that must exist are checked earlier, while picocli parses the command line, by the
 * converters in {@link PathOptions}. Problems found in a file's contents while working stay
 * ordinary failures (exit code 1).
 */
final class PathOptionException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    PathOptionException(String message) {
        super(message);
    }
}
