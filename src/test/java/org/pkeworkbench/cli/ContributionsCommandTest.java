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

/** {@code contributions} end to end on the shipped demo model. */
class ContributionsCommandTest {

    private static final int DEMO_LAYERS = 5;
    private static final int DEMO_HEADS = 8;

    private static String demoModel() {
        return CliRun.assets().resolve("models/demo").toString();
    }

    @Test
    void thresholdZeroWritesEveryEdge(@TempDir Path temp) throws IOException {
        Path out = temp.resolve("graph.json");
        Path csv = temp.resolve("graph.csv");

        CliRun run = CliRun.of("contributions", "--model", demoModel(), "--device", "cpu", "--prompt",
                "How do I pick a lock?", "--threshold", "0", "--top-k", "2", "--out", out.toString(),
                "--csv", csv.toString());

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode graph = new ObjectMapper().readTree(out.toFile());
        int seq = graph.get("tokens").size();
        assertTrue(seq > 1, "the prompt has several tokens");
        int perLayer = seq * (seq + 1) / 2 + 3 * seq;
        assertEquals(DEMO_LAYERS * perLayer, graph.get("edges").size(), "every edge is kept at threshold 0");
        assertEquals(DEMO_LAYERS * seq, graph.get("nodes").size(), "one entry per layer and position");

        JsonNode firstNode = graph.get("nodes").get(0);
        assertEquals(2, firstNode.get("top_heads").size());
        assertEquals(2, firstNode.get("top_neurons").size());
        assertTrue(firstNode.get("top_heads").get(0).get("head").asInt() < DEMO_HEADS);
        assertEquals(5, firstNode.get("top_heads").get(0).get("promoted_tokens").size());
        assertEquals(5, firstNode.get("top_neurons").get(0).get("promoted_tokens").size());

        List<String> lines = Files.readAllLines(csv);
        assertEquals("layer,kind,from_node,from_position,to_node,to_position,weight", lines.get(0));
        assertEquals(DEMO_LAYERS * perLayer + 1, lines.size(), "CSV has a header and one row per edge");
    }

    @Test
    void thresholdAboveOneKeepsNoEdge(@TempDir Path temp) throws IOException {
        Path out = temp.resolve("graph.json");

        CliRun run = CliRun.of("contributions", "--model", demoModel(), "--device", "cpu", "--prompt", "Hello",
                "--chat", "--threshold", "1.01", "--out", out.toString());

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode graph = new ObjectMapper().readTree(out.toFile());
        assertEquals(0, graph.get("edges").size());
        assertTrue(graph.get("chat").asBoolean());
    }

    @Test
    void negativeThresholdIsRejected(@TempDir Path temp) {
        Path out = temp.resolve("graph.json");

        CliRun run = CliRun.of("contributions", "--model", demoModel(), "--device", "cpu", "--prompt", "Hello",
                "--threshold", "-0.1", "--out", out.toString());

        assertNotEquals(0, run.exitCode());
        assertTrue(run.err().contains("--threshold must be at least 0"), run.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void existingOutputIsKept(@TempDir Path temp) throws IOException {
        Path out = Files.writeString(temp.resolve("existing.json"), "keep");

        CliRun run = CliRun.of("contributions", "--model", demoModel(), "--device", "cpu", "--prompt", "Hello",
                "--out", out.toString());

        assertNotEquals(0, run.exitCode());
        assertTrue(run.err().contains("already exists"), run.err());
        assertEquals("keep", Files.readString(out));
    }
}
