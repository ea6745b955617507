package org.pkeworkbench.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code pke-workbench.jar}: the command line over the core, and {@code workbench}
 * to open the JavaFX app.
 *
 * <p>Example: {@code java -jar target/pke-workbench.jar forward --model DIR --ids 1,2,3 --out out.json}.
 */
@Command(
        name = "pke-workbench",
        mixinStandardHelpOptions = true,
        version = "PKE Workbench 0.1.0",
        description = "Locate and edit the weights behind unsafe behaviour in language models.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code, without exiting the JVM (used by tests). */
    public static int run(String... args) {
        DjlDefaults.apply();
        CommandLine commandLine = new CommandLine(new Main());
        Commands.register(commandLine);
        return commandLine.execute(args);
    }
}
