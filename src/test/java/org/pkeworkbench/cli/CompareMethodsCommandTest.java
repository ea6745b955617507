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
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.testing.SharedFiles;

/** {@code compare-methods} on the demo model with tiny sets: one folder per method and a comparison table. */
class CompareMethodsCommandTest {

    @TempDir
    Path temp;

    private static String asset(String first, String second) {
        return CliRun.assets().resolve(first).resolve(second).toString();
    }

    private CliRun compare(Path out, String methods, String... extra) {
        List<String> args = new ArrayList<>(List.of("compare-methods", "--model", asset("models", "demo"),
                "--device", "cpu", "--edit-set", asset("datasets", "demo-edit.jsonl"),
                "--eval-set", asset("datasets", "demo-eval.jsonl"), "--max-edit-records", "2",
                "--max-eval-prompts", "3", "--locality-count", "2", "--max-new-tokens", "10",
                "--methods", methods, "--out", out.toString()));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void compareMethodsWritesEachMethodsReport() throws IOException {
        Path settings = Files.writeString(temp.resolve("settings.json"),
                "{\"pke\": {\"steps\": 2}, \"ftl\": {\"steps\": 1, \"learningRate\": 0.001}, "
                        + "\"locate\": {\"layerCount\": 1}}");
        Path out = temp.resolve("comparison");

        Path capability = SharedFiles.shared().resolve("data/alpaca_eval/model_outputs_gpt4_1106_preview.json");
        CliRun run = compare(out, "vanilla,ftl,pke", "--settings", settings.toString(), "--save-deltas",
                "--capability-set", capability.toString(), "--batch-size", "2");

        assertEquals(0, run.exitCode(), run::toString);
        ObjectMapper mapper = new ObjectMapper();
        JsonNode vanilla = mapper.readTree(out.resolve("vanilla/report.json").toFile());
        JsonNode ftl = mapper.readTree(out.resolve("ftl/report.json").toFile());
        JsonNode pke = mapper.readTree(out.resolve("pke/report.json").toFile());
        assertEquals(0, vanilla.get("changed_weights").asLong());
        assertEquals(1, ftl.get("steps").asInt());
        assertEquals(0.001, ftl.at("/hyperparameters/edit/learningRate").asDouble(), 1e-12);
        assertEquals(2, pke.get("steps").asInt());
        assertEquals(1, pke.at("/hyperparameters/locate/layerCount").asInt());
        assertEquals(1, pke.get("hot_spots").size(), "one located layer, as the settings file asked");
        assertEquals(vanilla.get("asr_before"), pke.get("asr_before"),
                "each run starts from the same unedited model");
        assertTrue(Files.isRegularFile(out.resolve("pke/delta.safetensors")));
        assertEquals(0.5, vanilla.at("/win_rate/rate").asDouble(), 1e-12, "an unchanged model ties with itself");
        assertEquals(3, vanilla.at("/win_rate/ties").asInt());
        assertEquals(vanilla.at("/win_rate/rouge_l_reference_before"), pke.at("/win_rate/rouge_l_reference_before"));
        assertEquals(3, pke.at("/win_rate/total").asInt());
        assertTrue(pke.at("/datasets/capability_set/sha256").isTextual(), "the capability file is hashed");
        assertFalse(Files.exists(out.resolve("vanilla/delta.safetensors")), "vanilla changes nothing");
        String table = Files.readString(out.resolve("comparison.md"));
        for (String method : List.of("vanilla", "ftl", "pke")) {
            assertTrue(table.contains("| " + method + " |"), table);
            assertTrue(Files.readString(out.resolve(method + "/report.html")).contains("</html>"), method);
        }
        assertTrue(run.out().contains(table), "the table is printed too");
        JsonNode comparison = mapper.readTree(out.resolve("comparison.json").toFile());
        assertEquals(0, comparison.path("warnings").size(), "same model and data in every run: " + comparison);
        for (String name : List.of("comparison.csv", "comparison.html")) {
            assertTrue(Files.size(out.resolve(name)) > 0, name);
        }
        assertNoPartialOutput();
    }

    @Test
    void badSettingsFileIsRejected() throws IOException {
        Path unknownMethod = Files.writeString(temp.resolve("a.json"), "{\"rome\": {}}");
        CliRun first = compare(temp.resolve("out1"), "pke", "--settings", unknownMethod.toString());
        assertNotEquals(0, first.exitCode());
        assertTrue(first.err().contains("unknown key 'rome'"), first::toString);
        assertTrue(first.err().contains(unknownMethod.toString()), first::toString);

        Path unknownSetting = Files.writeString(temp.resolve("b.json"), "{\"pke\": {\"stepz\": 3}}");
        CliRun second = compare(temp.resolve("out2"), "pke", "--settings", unknownSetting.toString());
        assertNotEquals(0, second.exitCode());
        assertTrue(second.err().contains("no setting 'stepz'"), second::toString);

        Path invalid = Files.writeString(temp.resolve("c.json"), "{\"pke\": ");
        CliRun third = compare(temp.resolve("out3"), "pke", "--settings", invalid.toString());
        assertNotEquals(0, third.exitCode());
        assertTrue(third.err().contains("is not valid JSON"), third::toString);

        Path wrongType = Files.writeString(temp.resolve("d.json"), "{\"pke\": {\"steps\": \"many\"}}");
        CliRun fourth = compare(temp.resolve("out5"), "pke", "--settings", wrongType.toString());
        assertNotEquals(0, fourth.exitCode());
        assertTrue(fourth.err().contains("setting 'steps' has the wrong type"), fourth::toString);

        Path notRun = Files.writeString(temp.resolve("e.json"), "{\"dinm\": {\"steps\": 3}}");
        CliRun fifth = compare(temp.resolve("out6"), "pke", "--settings", notRun.toString());
        assertNotEquals(0, fifth.exitCode());
        assertTrue(fifth.err().contains("which --methods [pke] does not run"), fifth::toString);

        CliRun badMethod = compare(temp.resolve("out4"), "pke,memit");
        assertNotEquals(0, badMethod.exitCode());
        assertTrue(badMethod.err().contains("Unknown method 'memit'"), badMethod::toString);

        Path tooMany = Files.writeString(temp.resolve("f.json"),
                "{\"locate\": {\"layerCount\": 1, \"selection\": \"COUNT\", \"selectionValue\": 9999}}");
        CliRun sixth = compare(temp.resolve("out7"), "pke", "--settings", tooMany.toString());
        assertNotEquals(0, sixth.exitCode());
        assertTrue(sixth.err().contains("\"locate\" selectionValue 9999 neurons is more than the model's 172 MLP "
                + "neurons per layer"), sixth::toString);

        CliRun noMethod = compare(temp.resolve("out8"), ",");
        assertEquals(2, noMethod.exitCode(), noMethod::toString);
        assertTrue(noMethod.err().contains("--methods names no method"), noMethod::toString);
        assertFalse(noMethod.err().contains("\tat "), "no stack trace: " + noMethod);

        Path taken = Files.createDirectories(temp.resolve("taken"));
        CliRun existing = compare(taken, "vanilla");
        assertNotEquals(0, existing.exitCode());
        assertTrue(existing.err().contains("already exists"), existing::toString);

        for (String name : List.of("out1", "out2", "out3", "out4", "out5", "out6", "out7", "out8")) {
            assertFalse(Files.exists(temp.resolve(name)), name + " was not created");
        }
        assertNoPartialOutput();
    }

    private void assertNoPartialOutput() throws IOException {
        try (Stream<Path> files = Files.list(temp)) {
            List<String> partial = files.map(p -> p.getFileName().toString()).filter(n -> n.contains(".partial-"))
                    .toList();
            assertEquals(List.of(), partial, "no staging directory is left behind");
        }
    }
}
