package org.pkeworkbench.model.io;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

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
}
