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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code edit --probe-steps} on the shipped demo model, with small sets and few steps. */
class EditProbeCommandTest {

    @TempDir
    Path temp;

    private static Path demoModel() {
        return CliRun.assets().resolve("models").resolve("demo");
    }

    private static Path dataset(String name) {
        return CliRun.assets().resolve("datasets").resolve(name);
    }

    private CliRun edit(String method, String probeSteps, Path out, Path report) {
        return CliRun.of("edit", "--model", demoModel().toString(), "--device", "cpu",
                "--edit-set", dataset("demo-edit.jsonl").toString(), "--eval-set", dataset("demo-eval.jsonl").toString(),
                "--max-edit-records", "4", "--max-eval-prompts", "4", "--locality-count", "3", "--steps", "3",
                "--max-new-tokens", "16", "--method", method, "--probe-steps", probeSteps,
                "--out", out.toString(), "--report", report.toString());
    }

    @Test
    void probeRunRecordsProbeSettings() throws IOException {
        Path report = temp.resolve("report.json");

        CliRun run = edit("pke", "2", temp.resolve("edited"), report);

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        JsonNode locate = json.get("hyperparameters").get("locate");
        assertEquals(2, locate.get("probeSteps").asInt(), locate::toString);
        assertEquals("PROBE_MOVEMENT", locate.get("neuronRanking").asText(), locate::toString);
        JsonNode hotSpots = json.get("hot_spots");
        assertEquals(2, hotSpots.size(), "two located layers: " + hotSpots);
        for (JsonNode hotSpot : hotSpots) {
            // round(0.2 * 172) neurons per layer, as without the probe.
            assertEquals(34, hotSpot.get("neurons").size(), hotSpot::toString);
        }
    }

    @Test
    void runWithoutProbeRecordsLocatorRanking() throws IOException {
        Path report = temp.resolve("report.json");

        CliRun run = edit("pke", "0", temp.resolve("edited"), report);

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode locate = new ObjectMapper().readTree(report.toFile()).get("hyperparameters").get("locate");
        assertEquals(0, locate.get("probeSteps").asInt(), locate::toString);
        assertEquals("LOCATOR_SCORE", locate.get("neuronRanking").asText(), locate::toString);
    }

    @Test
    void negativeProbeStepsAreRejected() {
        Path report = temp.resolve("report.json");

        CliRun run = edit("pke", "-1", temp.resolve("edited"), report);

        assertNotEquals(0, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--probe-steps"), run::toString);
        assertFalse(Files.exists(report), "no report written");
    }

    @Test
    void probeWithDinmIsRejected() {
        Path report = temp.resolve("report.json");

        CliRun run = edit("dinm", "2", temp.resolve("edited"), report);

        assertNotEquals(0, run.exitCode(), run::toString);
        assertTrue(run.err().contains("pke only"), run::toString);
        assertFalse(Files.exists(report), "no report written");
    }
}
