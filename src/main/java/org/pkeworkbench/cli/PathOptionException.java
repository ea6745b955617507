package org.pkeworkbench.cli;

import java.nio.file.Path;

/**
 * A file or folder option that cannot be used, found before any work starts: an output that
 * already exists without {@code --overwrite}, an output inside the model folder, or a path whose
 * folder part is a file. {@link Main} reports it like an invalid option, with exit code 2, so that
 * every path mistake on the command line gets the same code, whichever command finds it.
 *
 * <p>An exception made with {@link #PathOptionException(Path, String)} records its path but not the
 * option that gave it, and {@link Main} looks the option up in the command line and names it, for
 * example "--csv out.csv already exists; ...". Elsewhere the message says "Output file out.csv ...".
 *
 * <p>Inputs that must exist are checked earlier, while picocli parses the command line, by the
 * converters in {@link PathOptions}. Problems found in a file's contents while working stay
 * ordinary failures (exit code 1).
 */
final class PathOptionException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final transient Path path;
    private final String problem;

    /** A message that names its option itself. */
    PathOptionException(String message) {
        super(message);
        this.path = null;
        this.problem = message;
    }

    /** An output {@code path} with its {@code problem}, such as "already exists; choose a new name". */
    PathOptionException(Path path, String problem) {
        super("Output file " + path + " " + problem);
        this.path = path;
        this.problem = problem;
    }

    /** Returns the problem without the path, such as "already exists; choose a new name". */
    String problem() {
        return problem;
    }

    /** Returns the output path, or null when the message names its option itself. */
    Path path() {
        return path;
    }

    /** Returns the message with {@code options}, such as "--json and --csv", in place of "Output file". */
    String messageNaming(String options) {
        return path == null || options.isEmpty() ? getMessage() : options + " " + path + " " + problem;
    }
}
