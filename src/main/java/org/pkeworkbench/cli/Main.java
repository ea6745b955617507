package org.pkeworkbench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.pkeworkbench.model.LibtorchProbe;
import org.pkeworkbench.model.io.FileErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Entry point of {@code pke-workbench.jar}: the command line over the core, and {@code workbench}
 * to open the JavaFX app.
 *
 * <p>Example: {@code java -jar target/pke-workbench.jar forward --model DIR --ids 1,2,3 --out out.json}.
 */
@Command(
        name = "pke-workbench",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Locate and edit the weights behind unsafe behaviour in language models.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Main.class);
    /**
     * Writes to the log file only (see logback.xml): a failed command's stack trace belongs in the
     * file that bug reports attach, while stderr shows the message alone.
     */
    static final org.slf4j.Logger FILE_LOG = org.slf4j.LoggerFactory.getLogger("org.pkeworkbench.logfile");

    private Main() {}

    /**
     * The version from the jar's manifest, the same one that edit reports record. A build run from
     * the class folders has none.
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"PKE Workbench " + (version != null ? version : "(development build, not from the jar)")};
        }
    }

    public static void main(String[] args) {
        CommandShutdown guard = CommandShutdown.install(Thread.currentThread());
        int code;
        try {
            code = run(args);
        } finally {
            guard.commandEnded();
        }
        System.exit(code);
    }

    /** Runs one command line on the standard streams and returns its exit code, without exiting the JVM. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /**
     * Runs one command line and returns its exit code, without exiting the JVM. Command output goes
     * to {@code out}, usage help and "Error: ..." messages to {@code err} (tests pass their own writers).
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        DjlDefaults.apply();
        CommandLine commandLine = new CommandLine(new Main());
        Commands.register(commandLine);
        NumberConverters.register(commandLine);
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((error, line, parseResult) -> {
            if (error instanceof PathOptionException pathError) {
                // A path rejected before any work starts is reported like any other invalid option.
                LOG.debug("Invalid path option", error);
                String options = optionsGiving(line.getCommandSpec(), pathError.path());
                return reportInvalidInput(line, pathError.messageNaming(options), null);
            }
            // Expected failures (bad files, bad values) get their message only on stderr; the log file gets the stack trace.
            FILE_LOG.error("Command failed", error);
            if (CommandShutdown.isStopping()) {
                // The signal is the reason, so it replaces what the interrupt caused (a cancellation, a closed
                // channel), unless the message already starts with it and adds the outputs written before it.
                String stopped = org.pkeworkbench.model.io.ShutdownDeletion.STOPPED;
                String message = String.valueOf(error.getMessage());
                line.getErr().println("Error: " + (message.startsWith(stopped) ? message : stopped));
                return 1;
            }
            String message = error instanceof java.nio.file.FileSystemException fileError
                    ? FileErrors.describe(fileError)
                    : error.getMessage() == null ? error.toString() : error.getMessage();
            boolean expected = error instanceof java.io.IOException || error instanceof IllegalArgumentException
                    || error instanceof java.util.concurrent.CancellationException
                    || error instanceof LibtorchProbe.UnusableLibtorchException || error instanceof MachineSetupException;
            line.getErr().println("Error: " + (expected ? message : error.getClass().getSimpleName() + ": " + message));
            return 1;
        });
        commandLine.setParameterExceptionHandler((error, arguments) -> {
            LOG.debug("Invalid command line", error);
            return reportInvalidInput(error.getCommandLine(), String.valueOf(error.getMessage()), error);
        });
        return commandLine.execute(args);
    }

    /**
     * Returns the output options and parameters of {@code spec} whose value is {@code path}, such as
     * "--json and --csv". Returns "" when none has that value or {@code path} is null.
     */
    private static String optionsGiving(CommandSpec spec, Path path) {
        if (path == null) {
            return "";
        }
        List<String> names = new ArrayList<>();
        for (ArgSpec arg : spec.args()) {
            if (isInput(arg)) {
                // Only outputs are named, because a model folder given as an output path is the output's mistake.
                continue;
            }
            Object value = arg.getValue();
            boolean gives = path.equals(value) || (value instanceof Collection<?> values && values.contains(path));
            if (gives) {
                names.add(arg instanceof OptionSpec option ? option.longestName() : arg.paramLabel());
            }
        }
        return String.join(" and ", names);
    }

    /** Returns true for options whose converter checks an existing input (a model folder or an input file). */
    private static boolean isInput(ArgSpec arg) {
        for (CommandLine.ITypeConverter<?> converter : arg.converters()) {
            if (converter instanceof PathOptions.ModelFolder || converter instanceof PathOptions.ExistingFile) {
                return true;
            }
        }
        return false;
    }

    /**
     * Prints an invalid option's message and a pointer to {@code --help}, not the whole usage text,
     * which is long enough to hide the message, and returns the invalid-input exit code (2).
     *
     * @param parseError picocli's exception, whose spelling suggestions are printed; null for none
     */
    private static int reportInvalidInput(CommandLine failed, String message, CommandLine.ParameterException parseError) {
        // Some picocli messages start with "Error: " themselves.
        failed.getErr().println("Error: " + message.replaceFirst("^Error: ", ""));
        if (parseError != null) {
            CommandLine.UnmatchedArgumentException.printSuggestions(parseError, failed.getErr());
        }
        failed.getErr().println("Run '" + failed.getCommandSpec().qualifiedName() + " --help' for the options.");
        return failed.getCommandSpec().exitCodeOnInvalidInput();
    }
}
