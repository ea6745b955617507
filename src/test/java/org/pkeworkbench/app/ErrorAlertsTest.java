package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

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
}
