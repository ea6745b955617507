package org.pkeworkbench.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outputs of one command, written one after another so that a failed write does not stop the
 * others. A command that produces several files at the end of a long run (a report, a delta, an
 * edited model) so keeps what could be written. It then fails with one message, which names the
 * outputs that could not be written and those that were.
 *
 * <p>Example: {@code writes.attempt("--report", report, () -> writeReport(value)); ...;
 * writes.throwIfAnyFailed();}
 */
final class OutputWrites {

    private static final Logger LOG = LoggerFactory.getLogger(OutputWrites.class);

    /** One write of an output. */
    interface Write {
        void run() throws IOException;
    }

    private final List<String> written = new ArrayList<>();
    private final List<String> failed = new ArrayList<>();
    private IOException firstError;

    /**
     * Runs {@code write} for the output that {@code option} names, and records whether it worked.
     * An {@link IOException} is recorded and logged, and any other exception propagates.
     */
    void attempt(String option, Path path, Write write) {
        try {
            write.run();
            written.add(option + " " + path);
        } catch (CancellationException stopped) {
            // A signal stops the command between outputs, so the message names the ones that are complete.
            if (written.isEmpty()) {
                throw stopped;
            }
            throw new CancellationException(stopped.getMessage() + ". Written before the stop: "
                    + String.join(", ", written));
        } catch (IOException e) {
            LOG.error("Could not write {} {}: {}", option, path, e.getMessage());
            failed.add(option + ": " + e.getMessage());
            if (firstError == null) {
                firstError = e;
            }
        }
    }

    /**
     * Throws an {@link IOException} that lists the failed outputs and the written ones, if any
     * write failed.
     */
    void throwIfAnyFailed() throws IOException {
        if (failed.isEmpty()) {
            return;
        }
        String writtenPart = written.isEmpty() ? "" : ". Written: " + String.join(", ", written);
        throw new IOException(String.join("; ", failed) + writtenPart, firstError);
    }
}
