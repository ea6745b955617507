package org.pkeworkbench.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import javafx.scene.control.Alert;
import javafx.scene.control.TextArea;
import javafx.stage.Window;
import org.pkeworkbench.model.JsonErrors;
import org.pkeworkbench.model.io.FileErrors;

/** Builds the alert that reports a failed backend call. */
final class ErrorAlerts {

    private static final int MAX_CAUSES = 5;

    private ErrorAlerts() {}

    /**
     * Creates an error alert titled "{@code action} failed" that lists the messages of {@code error}
     * and its causes, with the stack trace as expandable details.
     */
    static Alert create(String action, Throwable error, Window owner) {
        Alert alert = new Alert(Alert.AlertType.ERROR);
        if (owner != null) {
            alert.initOwner(owner);
        }
        alert.setTitle("PKE Workbench");
        alert.setHeaderText(action + " failed");
        alert.setContentText(describe(error));
        alert.getDialogPane().setId("errorDialog");
        alert.setResizable(true);

        TextArea stackTrace = new TextArea(stackTrace(error));
        stackTrace.setEditable(false);
        stackTrace.setPrefRowCount(14);
        alert.getDialogPane().setExpandableContent(stackTrace);
        return alert;
    }

    /**
     * Returns the messages of {@code error} and its causes, one per line. Wrappers whose message
     * is just their cause's {@code toString()} and causes whose message is already part of an
     * earlier line are skipped. A Jackson parse error is shown without the position Jackson appends.
     * That position counts within the parsed text, such as one line of a JSONL file, so it can
     * contradict the file line that the wrapping message names.
     */
    static String describe(Throwable error) {
        List<String> lines = new ArrayList<>();
        Throwable current = error;
        while (current != null && lines.size() < MAX_CAUSES) {
            Throwable cause = current.getCause() == current ? null : current.getCause();
            boolean plainWrapper = cause != null && cause.toString().equals(current.getMessage());
            if (plainWrapper) {
                current = cause;
                continue;
            }
            String text;
            if (current instanceof java.nio.file.FileSystemException fileError) {
                // Java's file errors carry only the path as their message.
                text = FileErrors.describe(fileError);
            } else if (current instanceof JsonProcessingException jsonError) {
                text = JsonErrors.describe(jsonError);
            } else if (current.getMessage() == null || current.getMessage().isBlank()) {
                text = current.getClass().getSimpleName();
            } else {
                text = current.getMessage();
            }
            boolean repeated = lines.stream().anyMatch(line -> line.contains(text));
            if (!repeated) {
                lines.add(lines.isEmpty() ? text : "Caused by: " + text);
            }
            current = cause;
        }
        return String.join("\n", lines);
    }

    private static String stackTrace(Throwable error) {
        StringWriter text = new StringWriter();
        error.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
