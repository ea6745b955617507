package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.testing.SharedFiles;

/** {@code make-demo-model} on a few lines of the real training set: output format and determinism. */
class MakeDemoModelCommandTest {

    private static Path smallTrainingSet(Path temp) throws IOException {
        List<String> lines = Files.readAllLines(CliRun.assets().resolve("datasets/demo-train.jsonl"));
        Path file = temp.resolve("train.jsonl");
        Files.write(file, lines.subList(0, 8));
        return file;
    }

    private static CliRun build(Path train, Path out) {
        return CliRun.of("make-demo-model", "--base", SharedFiles.stories260K().toString(), "--train", train.toString(),
                "--out", out.toString(), "--epochs", "1", "--batch-size", "4");
    }

    @Test
    void buildsChatModelDeterministically(@TempDir Path temp) throws IOException {
        Path train = smallTrainingSet(temp);
        CliRun first = build(train, temp.resolve("first"));
        CliRun second = build(train, temp.resolve("second"));
        assertEquals(0, first.exitCode(), first.err());
        assertEquals(0, second.exitCode(), second.err());

        byte[] firstWeights = Files.readAllBytes(temp.resolve("first/model.safetensors"));
        assertArrayEquals(firstWeights, Files.readAllBytes(temp.resolve("second/model.safetensors")),
                "the same seed and data give the same weights");
        assertFalse(java.util.Arrays.equals(firstWeights,
                Files.readAllBytes(SharedFiles.stories260K().resolve("model.safetensors"))), "training changed the weights");
        assertTrue(Files.exists(temp.resolve("first/README.md")));
        assertTrue(Files.exists(temp.resolve("first/LICENSE")));
        try (LanguageModel lm = LanguageModel.load(temp.resolve("first"), Device.cpu())) {
            assertTrue(lm.hasChatTemplate());
            assertEquals("Q: Hello\nA:", lm.renderChat(List.of(
                    org.pkeworkbench.model.tokenizer.ChatMessage.user(" Hello ")), true));
        }
    }

    @Test
    void refusesExistingOutput(@TempDir Path temp) throws IOException {
        Path out = Files.createDirectories(temp.resolve("exists"));
        CliRun run = build(smallTrainingSet(temp), out);
        assertTrue(run.exitCode() != 0);
        assertTrue(run.err().contains("already exists"), run.err());
    }
}
