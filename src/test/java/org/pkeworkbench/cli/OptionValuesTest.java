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
import org.pkeworkbench.testing.SharedFiles;

/** Out-of-range values are invalid options (exit code 2) named by their option, found before any work. */
class OptionValuesTest {

    @TempDir
    Path temp;

    private CliRun edit(String... extra) {
        Path assets = CliRun.assets();
        List<String> args = new ArrayList<>(List.of("edit", "--model", assets.resolve("models/demo").toString(),
                "--edit-set", assets.resolve("datasets/demo-edit.jsonl").toString(),
                "--eval-set", assets.resolve("datasets/demo-eval.jsonl").toString(),
                "--report", temp.resolve("report.json").toString(), "--out", temp.resolve("edited").toString()));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(new String[0]));
    }

    private void assertInvalid(CliRun run, String message) {
        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains(message), run::toString);
        assertFalse(Files.exists(temp.resolve("report.json")), "nothing written");
        assertFalse(Files.exists(temp.resolve("edited")), "nothing written");
    }

    @Test
    void editValuesAreNamedByTheirOption() {
        assertInvalid(edit("--steps", "0"), "--steps must be at least 1, got 0");
        assertInvalid(edit("--lr", "-1"), "--lr must be a finite number above 0, got -1.0");
        assertInvalid(edit("--lr", "NaN"), "Invalid value for option '--lr': 'NaN' is not a finite number");
        assertInvalid(edit("--layers", "0"), "--layers must be at least 1, got 0");
        assertInvalid(edit("--neuron-fraction", "1.5"), "--neuron-fraction must be in (0, 1], got 1.5");
        assertInvalid(edit("--neuron-count", "0"), "--neuron-count must be at least 1, got 0");
        assertInvalid(edit("--w-kl", "-1"), "--w-kl must be at least 0, got -1.0");
        assertInvalid(edit("--w-kl", "Infinity"), "Invalid value for option '--w-kl': 'Infinity' is not a finite number");
        assertInvalid(edit("--stop-unsafe-probability", "2"), "--stop-unsafe-probability must be in [0, 1], got 2.0");
        assertInvalid(edit("--guard-threshold", "2"), "--guard-threshold must be in [0, 1], got 2.0");
        assertInvalid(edit("--max-edit-records", "-1"), "--max-edit-records must be at least 0, got -1");
        assertInvalid(edit("--locality-count", "-1"), "--locality-count must be at least 0, got -1");
    }

    @Test
    void editRejectsOptionsThatWouldBeIgnored() {
        assertInvalid(edit("--stop-unsafe-probability", "0.5"), "--stop-unsafe-probability applies only with "
                + "--stop-safe-nll");
        assertInvalid(edit("--neuron-fraction", "0.1", "--neuron-count", "4"), "Give at most one of "
                + "--neuron-fraction, --neuron-count and --score-share");
        assertInvalid(edit("--neuron-count", "99999"), "--neuron-count 99999 is more than the model's 172 MLP "
                + "neurons per layer");
    }

    @Test
    void generateWarnsThatGreedyDecodingIgnoresSamplingOptions() {
        CliRun run = CliRun.of("generate", "--model", CliRun.assets().resolve("models/demo").toString(),
                "--prompt", "Hi", "--max-new-tokens", "2", "--top-k", "5");

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Warning: --top-k and --top-p apply to sampling only"), run::toString);
    }

    @Test
    void editRefusesOnePathForTwoOutputs() {
        Path same = temp.resolve("same");

        CliRun run = CliRun.of("edit", "--model", CliRun.assets().resolve("models/demo").toString(),
                "--edit-set", CliRun.assets().resolve("datasets/demo-edit.jsonl").toString(),
                "--eval-set", CliRun.assets().resolve("datasets/demo-eval.jsonl").toString(),
                "--out", same.toString(), "--report", same.toString());

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains(same + " is given for two outputs"), run::toString);
        assertFalse(Files.exists(same));
    }

    @Test
    void editRefusesOutputsInsideTheEditedModelFolder() {
        Path out = temp.resolve("edited");

        CliRun run = edit("--delta", out.resolve("model.safetensors").toString());
        CliRun report = CliRun.of("edit", "--model", CliRun.assets().resolve("models/demo").toString(),
                "--edit-set", CliRun.assets().resolve("datasets/demo-edit.jsonl").toString(),
                "--eval-set", CliRun.assets().resolve("datasets/demo-eval.jsonl").toString(),
                "--out", out.toString(), "--report", out.resolve("config.json").toString());

        assertInvalid(run, "model.safetensors is inside --out " + out);
        assertInvalid(report, "config.json is inside --out " + out);
    }

    @Test
    void emptyOutputPathIsInvalid() {
        CliRun run = CliRun.of("edit", "--model", CliRun.assets().resolve("models/demo").toString(), "--out", "");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Invalid value for option '--out': the path is empty"), run::toString);
    }

    @Test
    void corruptedRangeOutsideThePromptNamesBothOptions() {
        CliRun run = CliRun.of("causal-trace", "--model", CliRun.assets().resolve("models/demo").toString(),
                "--prompt", "Once upon a time", "--target", "there", "--corrupt-from", "5", "--corrupt-to", "2",
                "--out", temp.resolve("trace.json").toString());

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--corrupt-from 5 and --corrupt-to 2 do not fit the prompt"), run::toString);
        assertFalse(Files.exists(temp.resolve("trace.json")));
        CliRun negative = CliRun.of("causal-trace", "--model", CliRun.assets().resolve("models/demo").toString(),
                "--prompt", "Once upon a time", "--target", "there", "--corrupt-to", "-5",
                "--out", temp.resolve("trace.json").toString());
        assertEquals(2, negative.exitCode(), negative::toString);
        assertTrue(negative.err().contains("--corrupt-to must be a prompt position or -1"), negative::toString);
    }

    @Test
    void makeDemoModelChecksItsValuesBeforeTraining() {
        String base = SharedFiles.stories260K().toString();
        Path out = temp.resolve("demo");
        Path train = CliRun.assets().resolve("datasets/demo-train.jsonl");

        CliRun epochs = CliRun.of("make-demo-model", "--base", base, "--train", train.toString(), "--out",
                out.toString(), "--epochs", "0");
        CliRun missingTrain = CliRun.of("make-demo-model", "--base", base, "--train",
                temp.resolve("none.jsonl").toString(), "--out", out.toString());
        CliRun inside = CliRun.of("make-demo-model", "--base", base, "--train", train.toString(), "--out",
                SharedFiles.stories260K().resolve("sub").toString());
        CliRun valuesFirst = CliRun.of("make-demo-model", "--base", base, "--train",
                temp.resolve("none.jsonl").toString(), "--out", out.toString(), "--lr", "-1");

        assertEquals(2, epochs.exitCode(), epochs::toString);
        assertTrue(epochs.err().contains("--epochs must be at least 1, got 0"), epochs::toString);
        assertEquals(2, missingTrain.exitCode(), missingTrain::toString);
        assertTrue(missingTrain.err().contains("--train " + temp.resolve("none.jsonl") + " does not exist"),
                missingTrain::toString);
        assertEquals(2, inside.exitCode(), inside::toString);
        assertTrue(inside.err().contains("--out"), inside::toString);
        assertTrue(valuesFirst.err().contains("--lr must be a finite number above 0, got -1.0"), valuesFirst::toString);
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(SharedFiles.stories260K().resolve("sub")));
    }

    @Test
    void makeDemoModelRejectsTrainingSetWithoutExamples() throws IOException {
        Path empty = Files.writeString(temp.resolve("empty.jsonl"), "\n");
        Path out = temp.resolve("demo");

        CliRun run = CliRun.of("make-demo-model", "--base", SharedFiles.stories260K().toString(), "--train",
                empty.toString(), "--out", out.toString(), "--epochs", "1");

        assertEquals(1, run.exitCode(), run::toString);
        assertTrue(run.err().contains(empty + " has no training examples"), run::toString);
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(temp.resolve(".demo.staging")), "staging folder deleted");
    }

    @Test
    void selfCheckWritesNothingIntoTheDemoModel() throws IOException {
        Path inside = CliRun.assets().resolve("models/demo/values.json");
        try {
            CliRun run = CliRun.of("self-check", "--write-expected", inside.toString());

            assertEquals(2, run.exitCode(), run::toString);
            assertTrue(run.err().contains("inside the model directory"), run::toString);
            assertFalse(Files.exists(inside));
        } finally {
            // Keeps the shipped demo model clean should the check ever fail.
            Files.deleteIfExists(inside);
        }
    }

    @Test
    void selfCheckRejectsFolderAsWriteExpected() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("values"));

        CliRun run = CliRun.of("self-check", "--write-expected", folder.toString());

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains(folder + " is a directory"), run::toString);
        assertFalse(run.out().contains("self-check passed"), run::toString);
        try (var entries = Files.list(temp)) {
            assertEquals(List.of(folder), entries.toList(), "no temporary file left");
        }
    }
}
