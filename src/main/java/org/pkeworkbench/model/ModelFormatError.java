package org.pkeworkbench.model;

import java.io.IOException;
import java.nio.file.Path;

/** A model directory that cannot be loaded; the message names the file, the problem and what to do. */
public class ModelFormatError extends IOException {

    public ModelFormatError(Path file, String problem) {
        super(file + ": " + problem);
    }

    public ModelFormatError(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
