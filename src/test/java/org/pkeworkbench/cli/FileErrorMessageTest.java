package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** {@link Main#describe}: a file error says what happened, not only which path. */
class FileErrorMessageTest {

    @Test
    void namesWhatHappenedToTheFile() {
        assertEquals("/out/.r.json.tmp: permission denied", Main.describe(new AccessDeniedException("/out/.r.json.tmp")));
        assertEquals("/in/a.json: no such file or folder", Main.describe(new NoSuchFileException("/in/a.json")));
        assertEquals("/a (and /b): Read-only file system",
                Main.describe(new FileSystemException("/a", "/b", "Read-only file system")));
    }
}
