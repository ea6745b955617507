package org.pkeworkbench.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** {@link FileErrors#describe}: a file error names its reason, not only its path. */
class FileErrorsTest {

    @Test
    void namesWhatHappenedToTheFile() {
        assertEquals("/out/.r.json.tmp: permission denied", FileErrors.describe(new AccessDeniedException("/out/.r.json.tmp")));
        assertEquals("/in/a.json: no such file or folder", FileErrors.describe(new NoSuchFileException("/in/a.json")));
        assertEquals("/a (and /b): Read-only file system",
                FileErrors.describe(new FileSystemException("/a", "/b", "Read-only file system")));
    }
}
