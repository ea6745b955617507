package org.pkeworkbench.app;

import java.io.IOException;
import java.nio.file.Path;

/** A session project that cannot be read: not a session, damaged, or from a newer version of the workbench. */
public final class SessionFormatException extends IOException {

    private final Path file;

    /**
     * @param file the file or project directory at fault
     * @param problem what is wrong, without a trailing period
     * @param action what the user can do next, as a full sentence
     */
    public SessionFormatException(Path file, String problem, String action) {
        this(file, problem, action, null);
    }

    public SessionFormatException(Path file, String problem, String action, Throwable cause) {
        super(file + ": " + problem + ". " + action, cause);
        this.file = file;
    }

    /** Returns the file or directory that the message names. */
    public Path file() {
        return file;
    }
}
