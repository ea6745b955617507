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
import org.pkeworkbench.testing.SharedFiles;

/** {@code weights} end to end on the shipped demo model. */
class WeightsCommandTest {

    private static final int DEMO_LAYERS = 5;
    private static final int DEMO_NEURONS = 172;

    private static String demoModel() {
        return CliRun.assets().resolve("models/demo").toString();
    }

    @Test
    void writesNormsWithoutChange(@TempDir Path temp) throws IOException {
        Path out = temp.resolve("weights.json");
        Path csv = temp.resolve("weights.csv");

        CliRun run = CliRun.of("weights", "--model", demoModel(), "--device", "cpu", "--out", out.toString(), "--csv",
                csv.toString());

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode json = new ObjectMapper().readTree(out.toFile());
        assertEquals(DEMO_LAYERS, json.get("layers").asInt());
        assertEquals(DEMO_NEURONS, json.get("neurons").asInt());
        assertTrue(json.get("change").isNull());
        for (String matrix : List.of("down", "gate", "up")) {
            JsonNode table = json.get("norm").get(matrix);
            assertEquals(DEMO_LAYERS, table.size(), matrix);
            for (JsonNode layer : table) {
                assertEquals(DEMO_NEURONS, layer.size(), matrix);
                for (JsonNode value : layer) {
                    assertTrue(value.asDouble() > 0, matrix + " norms of trained weights are positive");
                }
            }
        }

        List<String> lines = Files.readAllLines(csv);
        assertEquals("layer,neuron,down_norm,gate_norm,up_norm,down_change,gate_change,up_change", lines.get(0));
        assertEquals(DEMO_LAYERS * DEMO_NEURONS + 1, lines.size());
        assertTrue(lines.get(1).startsWith("0,0,"), lines.get(1));
        assertTrue(lines.get(1).endsWith(",,,"), "change columns are empty without --compare-to: " + lines.get(1));
    }

    @Test
    void changeAgainstItselfIsZero(@TempDir Path temp) throws IOException {
        Path out = temp.resolve("weights.json");

        CliRun run = CliRun.of("weights", "--model", demoModel(), "--compare-to", demoModel(), "--device", "cpu",
                "--out", out.toString());

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode change = new ObjectMapper().readTree(out.toFile()).get("change");
        for (String matrix : List.of("down", "gate", "up")) {
            assertEquals(DEMO_LAYERS, change.get(matrix).size(), matrix);
            for (JsonNode layer : change.get(matrix)) {
                assertEquals(DEMO_NEURONS, layer.size());
                for (JsonNode value : layer) {
                    assertEquals(0.0, value.asDouble(), matrix);
                }
            }
        }
    }

    @Test
    void differentArchitectureIsAClearError(@TempDir Path temp) {
        Path out = temp.resolve("weights.json");

        CliRun run = CliRun.of("weights", "--model", demoModel(), "--compare-to",
                SharedFiles.fixture("tiny-gpt2").toString(), "--device", "cpu", "--out", out.toString());

        assertNotEquals(0, run.exitCode());
        assertTrue(run.err().contains("configs differ"), run.err());
        assertFalse(Files.exists(out));
    }
}
