package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OutputWrites}: a failed output does not stop the others, and the error names both kinds. */
class OutputWritesTest {

    @TempDir
    Path dir;

    @Test
    void failedWriteKeepsLaterOutputs() {
        Path report = dir.resolve("report.json");
        Path model = dir.resolve("edited");
        Path delta = dir.resolve("delta.safetensors");
        OutputWrites writes = new OutputWrites();

        writes.attempt("--report", report, () -> Files.writeString(report, "{}"));
        writes.attempt("--out", model, () -> {
            throw new IOException("Writing " + model + " failed: No space left on device");
        });
        writes.attempt("--delta", delta, () -> Files.writeString(delta, "delta"));

        assertTrue(Files.exists(delta), "the write after the failed one ran");
        IOException error = assertThrows(IOException.class, writes::throwIfAnyFailed);
        assertEquals("--out: Writing " + model + " failed: No space left on device. Written: --report " + report
                + ", --delta " + delta, error.getMessage());
    }

    /** A signal between two outputs stops the command, and its message names the output already complete. */
    @Test
    void stopNamesWrittenOutputs() {
        Path report = dir.resolve("report.json");
        Path html = dir.resolve("report.html");
        OutputWrites writes = new OutputWrites();
        writes.attempt("--report", report, () -> Files.writeString(report, "{}"));

        java.util.concurrent.CancellationException stopped = assertThrows(
                java.util.concurrent.CancellationException.class, () -> writes.attempt("--html", html, () -> {
                    throw new java.util.concurrent.CancellationException(
                            org.pkeworkbench.model.io.ShutdownDeletion.STOPPED);
                }));

        assertEquals(org.pkeworkbench.model.io.ShutdownDeletion.STOPPED + ". Written before the stop: --report "
                + report, stopped.getMessage());
    }

    @Test
    void noFailureNoError() {
        OutputWrites writes = new OutputWrites();
        writes.attempt("--report", dir.resolve("r.json"), () -> Files.writeString(dir.resolve("r.json"), "{}"));

        assertDoesNotThrow(writes::throwIfAnyFailed);
    }
}
