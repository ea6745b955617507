package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.eval.DatasetFormatException;
import org.pkeworkbench.eval.DatasetLoader;

class ErrorAlertsTest {

    @Test
    void describeListsDistinctCauses() {
        IOException cause = new IOException("model.safetensors not found in /models/x");
        RuntimeException error = new IllegalStateException("Loading the model failed", new UncheckedIOException(cause));

        String text = ErrorAlerts.describe(error);

        assertEquals("Loading the model failed\nCaused by: model.safetensors not found in /models/x", text);
    }

    @Test
    void describeUsesClassNameWithoutMessage() {
        assertEquals("NullPointerException", ErrorAlerts.describe(new NullPointerException()));
    }

    @Test
    void describeNamesFileErrorReason() {
        String text = ErrorAlerts.describe(new java.nio.file.AccessDeniedException("/out/s1.pkeproj.saving-1"));

        assertEquals("/out/s1.pkeproj.saving-1: permission denied", text);
    }

    @Test
    void describeDropsJacksonLocation(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("eval.jsonl"), "{\"prompt\": \"one\"}\n{not json\n");
        DatasetFormatException error = assertThrows(DatasetFormatException.class, () -> DatasetLoader.load(file));

        String text = ErrorAlerts.describe(error);

        assertEquals(error.getMessage(), text);
        assertTrue(text.startsWith(file + ", line 2: invalid JSON: "), text);
        assertFalse(text.contains("[Source:"), text);
        assertFalse(text.contains("line: 1"), text);
    }
}
