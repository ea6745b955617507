package org.pkeworkbench.app;

import java.nio.file.Files;
import java.nio.file.Path;
import javafx.application.Application;

/**
 * Main class for {@code java -cp} and packaged launches of the workbench, which need a main class
 * that does not extend {@link Application}.
 *
 * <p>Usage: {@code WorkbenchLauncher [MODEL_DIR]}. Given a directory, the workbench opens that
 * Hugging Face model at start.
 */
public final class WorkbenchLauncher {

    private WorkbenchLauncher() {}

    public static void main(String[] args) {
        String error = validateArguments(args);
        if (error != null) {
            System.err.println(error);
            System.err.println("Usage: WorkbenchLauncher [MODEL_DIR | --demo]");
            System.exit(2);
        }
        Application.launch(WorkbenchApp.class, args);
    }

    /** Returns what is wrong with the command line, or null when it is valid. */
    static String validateArguments(String... args) {
        if (args.length > 1) {
            return "Expected at most one argument, a model directory, but got " + args.length;
        }
        if (args.length == 1 && !args[0].equals(WorkbenchApp.DEMO_ARGUMENT) && !Files.isDirectory(Path.of(args[0]))) {
            return "Model directory not found: " + args[0] + ". Pass a Hugging Face model directory that contains config.json.";
        }
        return null;
    }
}
