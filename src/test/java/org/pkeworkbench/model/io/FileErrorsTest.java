package org.pkeworkbench.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link FileErrors}: a file error names its reason, not only its path, and a failed write names its output. */
class FileErrorsTest {

    @Test
    void namesWhatHappenedToTheFile() {
        assertEquals("/out/.r.json.tmp: permission denied", FileErrors.describe(new AccessDeniedException("/out/.r.json.tmp")));
        assertEquals("/in/a.json: no such file or folder", FileErrors.describe(new NoSuchFileException("/in/a.json")));
        assertEquals("/a (and /b): Read-only file system",
                FileErrors.describe(new FileSystemException("/a", "/b", "Read-only file system")));
    }

    @Test
    void failedWriteNamesOutput() {
        FileErrors.WriteFailedException noSpace = FileErrors.writingFailed(Path.of("/out/model"),
                new IOException("No space left on device"));
        assertEquals("Writing /out/model failed: No space left on device", noSpace.getMessage());

        FileErrors.WriteFailedException inner = FileErrors.writingFailed(Path.of("/out/.model.tmp-1/model.safetensors"),
                new IOException("No space left on device"));
        assertEquals("Writing /out/model failed: No space left on device",
                FileErrors.writingFailed(Path.of("/out/model"), inner).getMessage(), "the inner file's name is replaced");

        assertEquals("Writing /out/r.json failed: /out/.r.json.tmp: permission denied",
                FileErrors.writingFailed(Path.of("/out/r.json"), new AccessDeniedException("/out/.r.json.tmp"))
                        .getMessage());
    }
}
