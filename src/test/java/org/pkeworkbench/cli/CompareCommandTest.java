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

/** {@code compare} end to end on the shipped demo model and its edit set. */
class CompareCommandTest {

    private static final int DEMO_LAYERS = 5;
    private static final int DEMO_NEURONS = 172;

    private static String demoModel() {
        return CliRun.assets().resolve("models/demo").toString();
    }

    private static String demoEditSet() {
        return CliRun.assets().resolve("datasets/demo-edit.jsonl").toString();
    }

    @Test
    void recordTooLongForGpt2IsNamed(@TempDir Path temp) {
        Path out = temp.resolve("compare.json");

        CliRun run = CliRun.of("compare", "--model", org.pkeworkbench.testing.SharedFiles.fixture("tiny-gpt2").toString(),
                "--edit-set", demoEditSet(), "--max-records", "2", "--device", "cpu", "--out", out.toString());

        assertEquals(1, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Error: Edit record "), run::toString);
        assertTrue(run.err().contains("but this GPT-2 model has 128 learned positions (n_positions); shorten the "
                + "record or remove it from the edit set"), run::toString);
        assertFalse(Files.exists(out), run::toString);
    }

    @Test
    void writesLayerAndNeuronScoresAndHotSpots(@TempDir Path temp) throws IOException {
        Path out = temp.resolve("compare.json");
        Path csv = temp.resolve("compare.csv");

        CliRun run = CliRun.of("compare", "--model", demoModel(), "--edit-set", demoEditSet(), "--max-records", "3",
                "--device", "cpu", "--out", out.toString(), "--csv", csv.toString());

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode json = new ObjectMapper().readTree(out.toFile());
        assertEquals(3, json.get("records_loaded").asInt());
        assertEquals(3, json.get("records_used").asInt());
        assertEquals(DEMO_LAYERS, json.get("layers").asInt());
        assertEquals(DEMO_NEURONS, json.get("neurons").asInt());

        JsonNode layerScores = json.get("layer_scores");
        for (String key : List.of("hidden_difference", "gradient_score", "logit_lens_margin", "combined")) {
            assertEquals(DEMO_LAYERS, layerScores.get(key).size(), key);
        }
        for (String key : List.of("neuron_scores", "neuron_activation_difference", "neuron_gradient_magnitude")) {
            JsonNode table = json.get(key);
            assertEquals(DEMO_LAYERS, table.size(), key);
            for (JsonNode layer : table) {
                assertEquals(DEMO_NEURONS, layer.size(), key);
            }
        }

        JsonNode hotSpots = json.get("hot_spots");
        assertEquals(2, hotSpots.size(), "two hot-spot layers by default");
        int hotNeurons = 0;
        for (JsonNode spot : hotSpots) {
            assertTrue(spot.get("layer").asInt() < DEMO_LAYERS);
            assertEquals(Math.round(0.2 * DEMO_NEURONS), spot.get("neurons").size());
            hotNeurons += spot.get("neurons").size();
        }

        List<String> lines = Files.readAllLines(csv);
        assertEquals("layer,neuron,neuron_score,activation_difference,gradient_magnitude,hot_spot,"
                + "hidden_difference,gradient_score,logit_lens_margin,combined", lines.get(0));
        assertEquals(DEMO_LAYERS * DEMO_NEURONS + 1, lines.size(), "a header and one row per neuron");
        assertEquals(hotNeurons, lines.stream().filter(line -> line.contains(",true,")).count());
    }

    @Test
    void negativeRecordLimitIsRejected(@TempDir Path temp) {
        Path out = temp.resolve("compare.json");

        CliRun run = CliRun.of("compare", "--model", demoModel(), "--edit-set", demoEditSet(), "--max-records", "-1",
                "--device", "cpu", "--out", out.toString());

        assertNotEquals(0, run.exitCode());
        assertTrue(run.err().contains("--max-records"), run.err());
        assertFalse(Files.exists(out));
    }
}
