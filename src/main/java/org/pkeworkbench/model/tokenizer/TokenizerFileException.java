package org.pkeworkbench.model.tokenizer;

import java.io.IOException;
import java.nio.file.Path;

/** A tokenizer file ({@code tokenizer.json}, {@code tokenizer_config.json}) that is missing or invalid. */
public class TokenizerFileException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public TokenizerFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public TokenizerFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file that is missing or invalid. */
    public Path file() {
        return file;
    }
}
