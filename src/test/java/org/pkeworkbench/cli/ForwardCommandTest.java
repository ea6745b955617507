package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkeworkbench.testing.SharedFiles;

/** {@code forward} against the float64 references in each fixture's expected.json. */
class ForwardCommandTest {

    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path temp;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-gpt2", "tiny-qwen2", "tiny-mistral", "tiny-llama3-bf16-sharded"})
    void logitsAndCapturesMatchReference(String fixture) throws IOException {
        Path model = SharedFiles.fixture(fixture);
        ObjectMapper mapper = new ObjectMapper();
        JsonNode expected = mapper.readTree(model.resolve("expected.json").toFile());
        String ids = joinIds(expected.get("input_ids").get(0));
        Path out = temp.resolve("forward.json");

        CliRun run = CliRun.of("forward", "--model", model.toString(), "--ids", ids, "--out", out.toString(),
                "--device", "cpu", "--capture", "layers.1.mlp.act", "layers.0.resid_post");

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode written = mapper.readTree(out.toFile());
        int positions = expected.get("input_ids").get(0).size();
        JsonNode logits = written.get("logits");
        assertEquals(positions, logits.size(), "one logits row per position");
        int vocab = logits.get(0).size();
        assertEquals(expected.get("logits").get(0).size(), positions * vocab, "[T][vocab] with the fixture's vocab");
        assertClose(expected.get("logits").get(0), flatten(logits), fixture + " logits");
        assertClose(expected.get("mlp_act_layer1"), flatten(written.get("captures").get("layers.1.mlp.act")),
                fixture + " layers.1.mlp.act");
        assertClose(expected.get("resid_post").get(0), flatten(written.get("captures").get("layers.0.resid_post")),
                fixture + " layers.0.resid_post");
    }

    static String joinIds(JsonNode ids) {
        List<String> parts = new ArrayList<>();
        ids.forEach(id -> parts.add(id.asText()));
        return parts.stream().collect(Collectors.joining(","));
    }

    /** Flattens nested lists row-major. */
    static List<Double> flatten(JsonNode nested) {
        List<Double> values = new ArrayList<>();
        flattenInto(nested, values);
        return values;
    }

    private static void flattenInto(JsonNode node, List<Double> values) {
        if (node.isArray()) {
            node.forEach(child -> flattenInto(child, values));
        } else {
            values.add(node.asDouble());
        }
    }

    private static void assertClose(JsonNode expected, List<Double> actual, String what) {
        assertEquals(expected.size(), actual.size(), what + ": number of values");
        for (int i = 0; i < actual.size(); i++) {
            assertEquals(expected.get(i).asDouble(), actual.get(i), TOLERANCE, what + " at flat index " + i);
        }
    }
}
