package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.testing.SharedFiles;

/**
 * Damaged models, bad values and bad datasets: each run must fail with a non-zero exit code and a
 * message on stderr that names the file or value and the problem. Damaged models are copies in a
 * temporary folder, so the shared fixtures are only read.
 */
class BadInputTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private Path llamaCopy() throws IOException {
        return CliRun.copyModel(SharedFiles.fixture("tiny-llama3"), temp.resolve("model"));
    }

    private CliRun forward(Path model, String ids, String... captures) {
        String[] base = {"forward", "--model", model.toString(), "--device", "cpu", "--ids", ids,
                "--out", temp.resolve("out.json").toString()};
        if (captures.length == 0) {
            return CliRun.of(base);
        }
        String[] args = new String[base.length + 1 + captures.length];
        System.arraycopy(base, 0, args, 0, base.length);
        args[base.length] = "--capture";
        System.arraycopy(captures, 0, args, base.length + 1, captures.length);
        return CliRun.of(args);
    }

    private static void assertFails(CliRun run, String... fragments) {
        assertNotEquals(0, run.exitCode(), run::toString);
        for (String fragment : fragments) {
            assertTrue(run.err().toLowerCase(Locale.ROOT).contains(fragment.toLowerCase(Locale.ROOT)),
                    () -> "stderr should contain \"" + fragment + "\"\n" + run);
        }
    }

    @Test
    void missingConfig() throws IOException {
        Path model = llamaCopy();
        Files.delete(model.resolve("config.json"));

        assertFails(forward(model, "1,2"), model.resolve("config.json").toString(), "missing");
    }

    @Test
    void malformedConfig() throws IOException {
        Path model = llamaCopy();
        Files.writeString(model.resolve("config.json"), "{\"model_type\": \"llama\",\n \"vocab_size\": }");

        assertFails(forward(model, "1,2"), model.resolve("config.json").toString(), "not valid JSON", "line 2");
    }

    @Test
    void unknownModelType() throws IOException {
        Path model = llamaCopy();
        ObjectNode config = (ObjectNode) JSON.readTree(model.resolve("config.json").toFile());
        config.put("model_type", "bert");
        JSON.writeValue(model.resolve("config.json").toFile(), config);

        assertFails(forward(model, "1,2"), model.resolve("config.json").toString(), "model_type 'bert'", "llama");
    }

    @Test
    void truncatedWeights() throws IOException {
        Path model = llamaCopy();
        Path weights = model.resolve("model.safetensors");
        try (FileChannel channel = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() / 2);
        }

        assertFails(forward(model, "1,2"), weights.toString(), "download or export it again");
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        Path model = llamaCopy();
        Path weights = model.resolve("model.safetensors");
        ByteBuffer bytes = ByteBuffer.allocate(8 + 16).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(1_000_000L).put("{\"a\":1}         ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Files.write(weights, bytes.array());

        assertFails(forward(model, "1,2"), weights.toString(), "header length 1000000", "past the end");
    }

    @Test
    void onlyPickleCheckpoint() throws IOException {
        Path model = llamaCopy();
        Files.delete(model.resolve("model.safetensors"));
        Files.write(model.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 0x02, '}', 'q', 0x00, '.'});

        assertFails(forward(model, "1,2"), model.toString(), "pytorch_model.bin", "can run arbitrary code",
                "safe_serialization=True");
    }

    @Test
    void indexNamesMissingShard() throws IOException {
        Path model = CliRun.copyModel(SharedFiles.fixture("tiny-llama3-bf16-sharded"), temp.resolve("sharded"));
        Files.delete(model.resolve("model-00002-of-00002.safetensors"));

        assertFails(forward(model, "1,2"), "model.safetensors.index.json", "model-00002-of-00002.safetensors",
                "missing");
    }

    @Test
    void indexShardOutsideModelDirectory() throws IOException {
        Path model = CliRun.copyModel(SharedFiles.fixture("tiny-llama3-bf16-sharded"), temp.resolve("sharded"));
        Path index = model.resolve("model.safetensors.index.json");
        ObjectNode root = (ObjectNode) JSON.readTree(index.toFile());
        ObjectNode weightMap = (ObjectNode) root.get("weight_map");
        weightMap.put(weightMap.fieldNames().next(), "../x.safetensors");
        JSON.writeValue(index.toFile(), root);
        Files.copy(model.resolve("model-00001-of-00002.safetensors"), temp.resolve("x.safetensors"));

        assertFails(forward(model, "1,2"), index.toString(), "\"../x.safetensors\"", "\"..\"");
    }

    @Test
    void tokenIdOutOfRange() throws IOException {
        assertFails(forward(SharedFiles.fixture("tiny-llama3"), "1,300,2"), "Token id 300", "--ids",
                "0 to 299");
    }

    @Test
    void negativeTokenId() throws IOException {
        assertFails(forward(SharedFiles.fixture("tiny-llama3"), "1,-1"), "Token id -1", "--ids");
    }

    @Test
    void unknownCaptureName() throws IOException {
        assertFails(forward(SharedFiles.fixture("tiny-llama3"), "1,2", "layers.1.mlp.act", "layers.7.mlp.act"),
                "layers.7.mlp.act", "3 layers");
        assertFails(forward(SharedFiles.fixture("tiny-llama3"), "1,2", "layers.0.bogus"), "layers.0.bogus");
    }

    @Test
    void malformedEditSetLine() throws IOException {
        Path editSet = temp.resolve("edits.jsonl");
        Files.writeString(editSet, "{\"prompt\": \"a\", \"safe\": \"b\", \"unsafe\": \"c\"}\n"
                + "{\"prompt\": \"broken\", \n"
                + "{\"prompt\": \"d\", \"safe\": \"e\", \"unsafe\": \"f\"}\n");

        CliRun run = editWith(editSet, CliRun.assets().resolve("datasets/demo-eval.jsonl"));

        assertFails(run, editSet.toString(), "line 2");
        assertTrue(!Files.exists(temp.resolve("edited")), "no output model on failure");
    }

    @Test
    void missingDatasetFile() throws IOException {
        Path missing = temp.resolve("no-such-eval.jsonl");

        CliRun run = editWith(CliRun.assets().resolve("datasets/demo-edit.jsonl"), missing);

        assertFails(run, missing.toString(), "does not exist");
    }

    @Test
    void missingMessagesFile() {
        Path missing = temp.resolve("no-such-messages.json");

        CliRun run = CliRun.of("prompt", "--model", SharedFiles.fixture("tiny-llama3").toString(),
                "--messages", missing.toString());

        assertFails(run, missing.toString());
    }

    private CliRun editWith(Path editSet, Path evalSet) {
        return CliRun.of("edit", "--model", CliRun.assets().resolve("models/demo").toString(), "--device", "cpu",
                "--edit-set", editSet.toString(), "--eval-set", evalSet.toString(),
                "--max-edit-records", "2", "--max-eval-prompts", "2", "--locality-count", "1", "--steps", "1",
                "--max-new-tokens", "4", "--out", temp.resolve("edited").toString(),
                "--report", temp.resolve("report.json").toString());
    }
}
