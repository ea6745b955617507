package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --dtype} on the command line: float16 runs, bfloat16 is rejected with its reason. */
class Float16CommandsTest {

    @TempDir
    Path temp;

    private static Path demo() {
        return CliRun.assets().resolve("models").resolve("demo");
    }

    @Test
    void bfloat16RejectedWithReason() {
        CliRun run = CliRun.of("forward", "--model", demo().toString(), "--ids", "1,403", "--out",
                temp.resolve("out.json").toString(), "--device", "cpu", "--dtype", "bfloat16");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--dtype"), run::toString);
        assertTrue(run.err().contains("DJL 0.36"), run::toString);
        assertTrue(run.err().contains("BFLOAT16"), run::toString);
    }

    @Test
    void unknownDtypeRejected() {
        CliRun run = CliRun.of("generate", "--model", demo().toString(), "--prompt", "Hi", "--device", "cpu",
                "--dtype", "int8");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Unknown data type 'int8'; use float32 or float16"), run::toString);
    }

    @Test
    void forwardInFloat16CloseToFloat32() throws IOException {
        Path wide = temp.resolve("wide.json");
        Path half = temp.resolve("half.json");
        String[] common = {"forward", "--model", demo().toString(), "--ids", "1,403,407,261,378", "--device", "cpu",
                "--capture", "layers.1.mlp.act"};

        CliRun wideRun = CliRun.of(concat(common, "--out", wide.toString()));
        CliRun halfRun = CliRun.of(concat(common, "--out", half.toString(), "--dtype", "float16"));

        assertEquals(0, wideRun.exitCode(), wideRun::toString);
        assertEquals(0, halfRun.exitCode(), halfRun::toString);
        ObjectMapper mapper = new ObjectMapper();
        JsonNode expected = mapper.readTree(wide.toFile()).get("logits");
        JsonNode actual = mapper.readTree(half.toFile()).get("logits");
        double maxLogit = 0;
        double maxDifference = 0;
        for (int t = 0; t < expected.size(); t++) {
            for (int v = 0; v < expected.get(t).size(); v++) {
                maxLogit = Math.max(maxLogit, Math.abs(expected.get(t).get(v).asDouble()));
                maxDifference = Math.max(maxDifference,
                        Math.abs(expected.get(t).get(v).asDouble() - actual.get(t).get(v).asDouble()));
            }
        }
        assertTrue(maxDifference / maxLogit < 1e-2, "relative logit difference " + maxDifference / maxLogit);
    }

    @Test
    void float16EditLowersUnsafeProbability() throws IOException {
        Path out = temp.resolve("edited");
        Path report = temp.resolve("report.json");
        Path datasets = CliRun.assets().resolve("datasets");

        CliRun run = CliRun.of("edit", "--model", demo().toString(), "--device", "cpu", "--dtype", "float16",
                "--edit-set", datasets.resolve("demo-edit.jsonl").toString(),
                "--eval-set", datasets.resolve("demo-eval.jsonl").toString(),
                "--max-edit-records", "6", "--max-eval-prompts", "6", "--locality-count", "3", "--steps", "6",
                "--max-new-tokens", "16", "--method", "pke", "--out", out.toString(), "--report", report.toString());

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals("float16", json.at("/model/dtype").asText(), "report model info: " + json.get("model"));
        JsonNode history = json.get("history");
        assertNotNull(history, "the report has step records");
        assertEquals(6, history.size(), "one record per step: " + history);
        double first = history.get(0).get("unsafe_probability").asDouble();
        double last = history.get(history.size() - 1).get("unsafe_probability").asDouble();
        assertTrue(last < first, "unsafe probability " + first + " -> " + last);
    }

    private static String[] concat(String[] head, String... tail) {
        String[] out = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, out, head.length, tail.length);
        return out;
    }
}
