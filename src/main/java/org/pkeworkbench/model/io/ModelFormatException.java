package org.pkeworkbench.model.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model file or directory that cannot be read as the expected format. The message always names
 * the file, the problem and what the user can do about it.
 */
public class ModelFormatException extends IOException {

    private final Path file;

    /**
     * Creates an exception with the message {@code "<file>: <problem>. <action>."}.
     *
     * @param file the file or directory at fault
     * @param problem what is wrong, without a trailing period
     * @param action what the user can do next, as a full sentence
     */
    public ModelFormatException(Path file, String problem, String action) {
        this(file, problem, action, null);
    }

    public ModelFormatException(Path file, String problem, String action, Throwable cause) {
        super(file + ": " + problem + ". " + sentence(action), cause);
        this.file = file;
    }

    /** Returns {@code text} with a closing full stop unless it already ends with one, "!" or "?". */
    private static String sentence(String text) {
        return text.endsWith(".") || text.endsWith("!") || text.endsWith("?") ? text : text + ".";
    }

    /** Returns the file or directory that the message names. */
    public Path file() {
        return file;
    }
}
