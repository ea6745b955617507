package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.core.status.ErrorStatus;
import ch.qos.logback.core.status.InfoStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link LogFileStatusListener}: logback's first error becomes one line on stderr, and nothing else is printed. */
class LogFileStatusListenerTest {

    @Test
    void firstErrorOnlyOneLine() {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            LogFileStatusListener listener = new LogFileStatusListener();
            listener.addStatusEvent(new InfoStatus("About to instantiate appender", this));
            listener.addStatusEvent(new ErrorStatus("Failed to create parent directories for [/x/logs/workbench.log]",
                    this));
            listener.addStatusEvent(new ErrorStatus("openFile(/x/logs/workbench.log,true) call failed.", this));
        } finally {
            System.setErr(original);
        }
        String text = captured.toString(StandardCharsets.UTF_8);

        assertEquals(1, text.lines().count(), text);
        assertTrue(text.startsWith("Warning: no log file is written: Failed to create parent directories for "
                + "[/x/logs/workbench.log]. Set -Dpke.settings.dir"), text);
    }
}
