package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkeworkbench.testing.SharedFiles;

/**
 * Every command gives exit code 2 for a path mistake on its command line (a missing input, an
 * output it may not write) and 1 for a problem found in a file's contents, and names the path.
 */
class PathOptionsTest {

    @TempDir
    Path temp;

    private String model() {
        return SharedFiles.fixture("tiny-llama3").toString();
    }

    private String missing(String name) {
        return temp.resolve(name).toString();
    }

    private static void assertInvalidPath(CliRun run, String path) {
        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains(path), run::toString);
        assertTrue(run.err().contains("--help' for the options"), run::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"forward", "generate", "weights", "logit-lens", "contributions", "causal-trace", "compare",
        "edit", "bench", "prompt", "apply-delta", "win-rate", "workbench"})
    void missingModelFolderIsInvalidOption(String command) {
        String folder = missing("no-model");
        List<String> args = new ArrayList<>(List.of(command, "--model", folder));

        CliRun run = CliRun.of(args.toArray(new String[0]));

        assertInvalidPath(run, folder + " does not exist");
        assertTrue(run.err().contains("Invalid value for option '--model'"), run::toString);
    }

    @Test
    void modelPathThatIsFileIsInvalidOption() {
        String file = SharedFiles.fixture("tiny-llama3").resolve("config.json").toString();

        CliRun run = CliRun.of("generate", "--model", file);

        assertInvalidPath(run, file + " is a file");
    }

    @Test
    void missingInputFilesAreInvalidOptions() {
        String edits = CliRun.assets().resolve("datasets/demo-edit.jsonl").toString();
        String absent = missing("absent.jsonl");

        assertInvalidPath(CliRun.of("edit", "--model", model(), "--edit-set", edits, "--eval-set", absent,
                "--report", missing("report.json"), "--out", missing("edited")), absent + " does not exist");
        assertInvalidPath(CliRun.of("report", absent, "--html", missing("page.html")), absent + " does not exist");
        assertInvalidPath(CliRun.of("prompt", "--model", model(), "--messages", absent), absent + " does not exist");
        assertInvalidPath(CliRun.of("apply-delta", "--model", model(), "--delta", absent, "--out", missing("applied")),
                absent + " does not exist");
    }

    @Test
    void inputFileThatIsFolderIsInvalidOption() {
        CliRun run = CliRun.of("report", temp.toString(), "--html", missing("page.html"));

        assertInvalidPath(run, temp + " is a folder");
    }

    @Test
    void forbiddenOutputsAreInvalidOptions() throws IOException {
        Path existing = Files.writeString(temp.resolve("existing.json"), "keep");
        Path takenFolder = Files.createDirectories(temp.resolve("taken"));
        Files.writeString(takenFolder.resolve("file.txt"), "keep");

        assertInvalidPath(CliRun.of("forward", "--model", model(), "--ids", "1", "--out", existing.toString()),
                "--out " + existing + " already exists");
        assertInvalidPath(CliRun.of("forward", "--model", model(), "--ids", "1", "--out",
                SharedFiles.fixture("tiny-llama3").resolve("out.json").toString()), "inside the model directory");
        assertInvalidPath(CliRun.of("edit", "--model", model(), "--edit-set", existing.toString(), "--eval-set",
                existing.toString(), "--report", missing("report.json"), "--out", takenFolder.toString()),
                takenFolder + " is a directory that is not empty");
        assertInvalidPath(CliRun.of("make-demo-model", "--base", model(), "--out", takenFolder.toString()),
                takenFolder + " already exists");
        assertEquals("keep", Files.readString(existing));
        assertEquals("keep", Files.readString(takenFolder.resolve("file.txt")));
    }

    @Test
    void modelFolderWithoutConfigFailsWhileWorking() throws IOException {
        Path empty = Files.createDirectories(temp.resolve("empty-model"));
        Path out = temp.resolve("out.json");

        CliRun run = CliRun.of("forward", "--model", empty.toString(), "--ids", "1", "--out", out.toString());

        assertEquals(1, run.exitCode(), run::toString);
        assertTrue(run.err().contains("config.json"), run::toString);
        assertFalse(Files.exists(out));
    }
}
