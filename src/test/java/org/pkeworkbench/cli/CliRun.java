package org.pkeworkbench.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.pkeworkbench.testing.ModelCopies;

/** Runs the real command line in this JVM and keeps what it printed. */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try (PrintWriter outWriter = new PrintWriter(out, true); PrintWriter errWriter = new PrintWriter(err, true)) {
            code = Main.run(outWriter, errWriter, args);
        }
        return new CliRun(code, out.toString(), err.toString());
    }

    /** Returns the project's shipped assets directory ({@code resources/}), which surefire passes as pke.assets.dir. */
    static Path assets() {
        return Path.of(System.getProperty("pke.assets.dir", "resources")).toAbsolutePath().normalize();
    }

    /** Copies the plain files of {@code source} into a new folder {@code target} (never modifies the source). */
    static Path copyModel(Path source, Path target) throws IOException {
        return ModelCopies.copy(source, target);
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
    }
}
