package org.pkeworkbench.model.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Messages for Java's file errors, shared by the command line and the window. */
public final class FileErrors {

    private FileErrors() {}

    /**
     * Returns a file error as "FILE: reason". Java's file errors carry only the path as their
     * message, so "permission denied" or "no such file or folder" comes from the exception's type.
     */
    public static String describe(FileSystemException error) {
        String reason;
        if (error.getReason() != null) {
            reason = error.getReason();
        } else if (error instanceof AccessDeniedException) {
            reason = "permission denied";
        } else if (error instanceof NoSuchFileException) {
            reason = "no such file or folder";
        } else if (error instanceof FileAlreadyExistsException) {
            reason = "already exists";
        } else {
            reason = error.getClass().getSimpleName();
        }
        String other = error.getOtherFile() == null ? "" : " (and " + error.getOtherFile() + ")";
        return error.getFile() + other + ": " + reason;
    }

    /**
     * Returns an error that names {@code output} for a write that failed with {@code error}. Errors
     * such as "No space left on device" name no file, and a file error names a temporary file. When
     * {@code error} already names an inner output (a file of a model directory), its reason is kept
     * and {@code output} replaces the name.
     */
    public static WriteFailedException writingFailed(Path output, IOException error) {
        String reason;
        if (error instanceof WriteFailedException inner) {
            reason = inner.reason();
        } else if (error instanceof FileSystemException fileError) {
            reason = describe(fileError);
        } else {
            reason = String.valueOf(error.getMessage());
        }
        return new WriteFailedException(output, reason, error);
    }

    /** A failed write, named by the file or folder the user asked for, such as "Writing X failed: reason". */
    public static final class WriteFailedException extends IOException {

        private final String reason;

        WriteFailedException(Path output, String reason, IOException cause) {
            super("Writing " + output + " failed: " + reason, cause);
            this.reason = reason;
        }

        /** Returns why the write failed, without the output's name. */
        public String reason() {
            return reason;
        }
    }
}
