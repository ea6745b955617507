package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code logit-lens} and {@code causal-trace} on the shipped demo model. */
class TraceCommandsTest {

    private static final int DEMO_LAYERS = 5;

    @TempDir
    Path temp;

    private static Path demo() {
        return CliRun.assets().resolve("models").resolve("demo");
    }

    @Test
    void logitLensWritesLayerTables() throws IOException {
        Path out = temp.resolve("lens.json");
        Path csv = temp.resolve("lens.csv");

        CliRun run = CliRun.of("logit-lens", "--model", demo().toString(), "--prompt", "Once upon a time",
                "--target", "there was", "--top-k", "3", "--out", out.toString(), "--csv", csv.toString(),
                "--device", "cpu");

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode json = new ObjectMapper().readTree(out.toFile());
        int seq = json.get("token_ids").size();
        int promptLength = json.get("prompt_length").asInt();
        int targetLength = seq - promptLength;
        assertTrue(targetLength > 0, "the target adds tokens");
        assertEquals(seq, json.get("tokens").size());
        assertEquals(DEMO_LAYERS + 1, json.get("layers").size());
        assertEquals(-1, json.get("layers").get(0).asInt());

        JsonNode top = json.get("top");
        assertEquals(DEMO_LAYERS + 1, top.size());
        assertEquals(seq, top.get(0).size());
        assertEquals(3, top.get(DEMO_LAYERS).get(seq - 1).size());
        JsonNode best = top.get(DEMO_LAYERS).get(0).get(0);
        assertTrue(best.has("id") && best.has("token") && best.has("probability"), best::toString);

        JsonNode targets = json.get("target_probabilities");
        assertEquals(DEMO_LAYERS + 1, targets.size());
        assertEquals(targetLength, targets.get(0).size());

        List<String> lines = Files.readAllLines(csv);
        assertEquals(1 + (DEMO_LAYERS + 1) * seq, lines.size(), "header plus one row per (layer, position)");
        assertTrue(lines.get(0).startsWith("layer,position,token_id,token,top1_id"), lines.get(0));
    }

    @Test
    void causalTraceWritesTables() throws IOException {
        Path out = temp.resolve("trace.json");
        Path csv = temp.resolve("trace.csv");

        CliRun run = CliRun.of("causal-trace", "--model", demo().toString(), "--prompt", "Once upon a time",
                "--target", "there", "--samples", "3", "--seed", "7", "--out", out.toString(), "--csv",
                csv.toString(), "--device", "cpu");

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode json = new ObjectMapper().readTree(out.toFile());
        int tokens = json.get("token_ids").size();
        for (String key : List.of("tokens", "target_id", "target_token", "noise_std", "clean_probability",
                "corrupted_probability", "corrupt_from", "corrupt_to", "samples", "seed")) {
            assertTrue(json.has(key), "missing key " + key);
        }
        assertEquals(tokens, json.get("corrupt_to").asInt());
        assertEquals(DEMO_LAYERS, json.get("restored_probability").size());
        assertEquals(tokens, json.get("restored_probability").get(0).size());
        assertEquals(DEMO_LAYERS, json.get("indirect_effect").size());
        assertEquals(tokens, json.get("indirect_effect").get(DEMO_LAYERS - 1).size());
        assertNotEquals(json.get("clean_probability").asDouble(), json.get("corrupted_probability").asDouble());

        List<String> lines = Files.readAllLines(csv);
        assertEquals(1 + DEMO_LAYERS * tokens, lines.size(), "header plus one row per (layer, token)");
    }

    @Test
    void causalTraceWindowModeRecordsState() throws IOException {
        Path out = temp.resolve("window.json");

        CliRun run = CliRun.of("causal-trace", "--model", demo().toString(), "--prompt", "Once upon a time",
                "--target", "there", "--samples", "2", "--state", "attn_out", "--corrupt-from", "1", "--corrupt-to", "3",
                "--out", out.toString(), "--device", "cpu");

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode json = new ObjectMapper().readTree(out.toFile());
        assertEquals("attn_out", json.get("restored_state").asText());
        assertEquals(10, json.get("window").asInt());
        assertEquals(1, json.get("corrupt_from").asInt());
        assertEquals(3, json.get("corrupt_to").asInt());
        assertEquals(DEMO_LAYERS, json.get("restored_probability").size());
    }

    @Test
    void invalidStateIsRejected() {
        CliRun run = CliRun.of("causal-trace", "--model", demo().toString(), "--prompt", "Once", "--target", "upon",
                "--state", "mlp", "--out", temp.resolve("y.json").toString());

        assertNotEquals(0, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--state"), run::toString);
    }

    @Test
    void existingOutputIsKeptWithoutOverwrite() throws IOException {
        Path out = temp.resolve("exists.json");
        Files.writeString(out, "keep");

        CliRun run = CliRun.of("causal-trace", "--model", demo().toString(), "--prompt", "Once", "--target", "upon",
                "--out", out.toString(), "--device", "cpu");

        assertNotEquals(0, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--overwrite"), run::toString);
        assertEquals("keep", Files.readString(out));
    }

    @Test
    void leadingSpaceTargetIsRejected() {
        Path out = temp.resolve("space.json");

        CliRun run = CliRun.of("causal-trace", "--model", demo().toString(), "--prompt", "Once upon a time",
                "--target", " there", "--out", out.toString(), "--device", "cpu");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("decodes to nothing (a bare word boundary)"), run::toString);
        assertTrue(run.err().contains("in place of 'there'"), run::toString);
        assertFalse(Files.exists(out));
    }

    @Test
    void invalidSamplesAreRejected() {
        CliRun run = CliRun.of("causal-trace", "--model", demo().toString(), "--prompt", "Once", "--target", "upon",
                "--samples", "0", "--out", temp.resolve("x.json").toString());

        assertNotEquals(0, run.exitCode(), run::toString);
        assertTrue(run.err().contains("samples"), run::toString);
        assertFalse(Files.exists(temp.resolve("x.json")));
    }
}
