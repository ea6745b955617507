package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.MlpLayout;
import org.pkeworkbench.testing.SharedFiles;

/**
 * {@code edit} end to end on the shipped demo model, with small sets and few steps so that it runs
 * in seconds. Checks the saved model, the report and that the source directory stays untouched.
 */
class EditCommandTest {

    private static final List<String> REPORT_KEYS = List.of("method", "hot_spots", "asr_before", "asr_after", "judge",
            "rouge_l_benign", "over_refusal", "steps", "wall_seconds", "hyperparameters");

    private static final long[] PROBE_IDS = {1, 403, 407, 261, 378, 432, 383, 286};

    @TempDir
    Path temp;

    private static Path demoModel() {
        return CliRun.assets().resolve("models").resolve("demo");
    }

    private static Path dataset(String name) {
        return CliRun.assets().resolve("datasets").resolve(name);
    }

    /** Runs an edit small enough for a unit test, with {@code size} records and prompts of each set. */
    private CliRun edit(String method, int size, Path out, Path report) {
        return CliRun.of("edit", "--model", demoModel().toString(), "--device", "cpu",
                "--edit-set", dataset("demo-edit.jsonl").toString(), "--eval-set", dataset("demo-eval.jsonl").toString(),
                "--max-edit-records", String.valueOf(size), "--max-eval-prompts", String.valueOf(size),
                "--locality-count", "3", "--steps", "3", "--max-new-tokens", "16", "--method", method,
                "--out", out.toString(), "--report", report.toString());
    }

    @Test
    void pkeEditsOnlyTheReportedDownProjectionColumns() throws IOException {
        Map<String, String> sourceBefore = sha256PerFile(demoModel());
        Path out = temp.resolve("edited");
        Path report = temp.resolve("report.json");

        CliRun run = edit("pke", 6, out, report);

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().startsWith("pke: ASR "), run::toString);
        assertEquals(sourceBefore, sha256PerFile(demoModel()), "the source model directory is unchanged");
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertTrue(keys.containsAll(REPORT_KEYS), "report keys " + keys);
        assertEquals("pke", json.get("method").asText());
        assertEquals(3, json.get("steps").asInt());
        JsonNode fullRecomputation = json.at("/hyperparameters/edit/fullRecomputation");
        assertTrue(fullRecomputation.isBoolean(), "the report records the recomputation mode: " + fullRecomputation);
        assertFalse(fullRecomputation.asBoolean(), "steps reuse the lower layers' activations by default");
        JsonNode hotSpots = json.get("hot_spots");
        assertTrue(hotSpots.isArray(), "hot_spots is a list: " + hotSpots);
        assertFalse(hotSpots.isEmpty(), "at least one hot spot");
        for (JsonNode hotSpot : hotSpots) {
            assertTrue(hotSpot.path("layer").isInt(), "hot spot has an integer layer: " + hotSpot);
            assertTrue(hotSpot.path("neurons").isArray(), "hot spot has a neurons list: " + hotSpot);
        }

        assertOnlyHotSpotColumnsChanged(out, hotSpots);
    }

    @Test
    void dinmEditsOneWholeLayer() throws IOException {
        Path out = temp.resolve("edited");
        Path report = temp.resolve("report.json");

        CliRun run = edit("dinm", 2, out, report);

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals("dinm", json.get("method").asText());
        JsonNode hotSpots = json.get("hot_spots");
        assertEquals(1, hotSpots.size(), "DINM edits one layer: " + hotSpots);
        try (DecoderModel original = DecoderModel.load(demoModel(), Device.cpu())) {
            assertEquals(original.config().intermediateSize(), hotSpots.get(0).get("neurons").size(),
                    "DINM's hot spot is the whole layer");
        }
        assertOnlyHotSpotColumnsChanged(out, hotSpots);
    }

    @Test
    void ftlTrainsEveryNeuronOfOneLayersMlp() throws IOException {
        Path out = temp.resolve("edited");
        Path report = temp.resolve("report.json");

        CliRun run = edit("ftl", 2, out, report);

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals("ftl", json.get("method").asText());
        JsonNode hotSpots = json.get("hot_spots");
        assertEquals(1, hotSpots.size(), "FT-L edits one layer: " + hotSpots);
        int layer = hotSpots.get(0).get("layer").asInt();
        try (DecoderModel original = DecoderModel.load(demoModel(), Device.cpu());
                DecoderModel edited = DecoderModel.load(out, Device.cpu())) {
            assertEquals(original.config().intermediateSize(), hotSpots.get(0).get("neurons").size());
            MlpLayout layout = original.mlpLayout(layer);
            for (String name : List.of(layout.down(), layout.gate(), layout.up())) {
                assertFalse(original.parameter(name).contentEquals(edited.parameter(name)), name + " trained");
            }
            for (String name : original.parameterNames()) {
                if (!List.of(layout.down(), layout.gate(), layout.up()).contains(name)) {
                    assertTrue(original.parameter(name).contentEquals(edited.parameter(name)), name + " unchanged");
                }
            }
        }
        assertEquals(List.of("down", "gate", "up").size(),
                json.at("/hyperparameters/edit/matrices").size(), "FT-L's matrices are recorded");
    }

    @Test
    void vanillaEvaluatesWithoutEditingAndNeedsNoOutput() throws IOException {
        Path report = temp.resolve("report.json");

        CliRun run = CliRun.of("edit", "--model", demoModel().toString(), "--device", "cpu",
                "--edit-set", dataset("demo-edit.jsonl").toString(), "--eval-set", dataset("demo-eval.jsonl").toString(),
                "--max-edit-records", "2", "--max-eval-prompts", "3", "--max-new-tokens", "12",
                "--method", "vanilla", "--report", report.toString());

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals("vanilla", json.get("method").asText());
        assertEquals(json.get("asr_before"), json.get("asr_after"));
        assertEquals(json.get("safeedit_before"), json.get("safeedit_after"));
        assertEquals(0, json.get("changed_weights").asLong());
        assertEquals(0, json.get("hot_spots").size());
        assertEquals(1.0, json.get("rouge_l_benign").asDouble(), 1e-12, "answers are identical to themselves");
    }

    @ParameterizedTest
    @CsvSource({"3, 1e300, the loss became NaN", "1, 1e300, after its last step the weight change is not finite",
        // Finite weights about 1e30 overflow the next RMSNorm, so every logit is equal and the answers are empty.
        "5, 1e30, after its last step the edited model gives every token the same logit"})
    void divergedEditAppliesAndWritesNothing(int steps, String learningRate, String reason) {
        Path out = temp.resolve("edited");
        Path report = temp.resolve("report.json");

        CliRun run = CliRun.of("edit", "--model", demoModel().toString(), "--device", "cpu",
                "--edit-set", dataset("demo-edit.jsonl").toString(), "--eval-set", dataset("demo-eval.jsonl").toString(),
                "--max-edit-records", "1", "--max-eval-prompts", "2", "--locality-count", "2", "--max-new-tokens", "8",
                "--steps", String.valueOf(steps), "--lr", learningRate, "--out", out.toString(), "--report",
                report.toString());

        assertEquals(1, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Error: The pke edit diverged: "), run::toString);
        assertTrue(run.err().contains(reason), run::toString);
        assertTrue(run.err().contains("Nothing was applied to the model; lower the learning rate (now "
                + Double.parseDouble(learningRate) + ")"), run::toString);
        assertFalse(Files.exists(out), run::toString);
        assertFalse(Files.exists(report), run::toString);
    }

    @Test
    void gpt2LocalityAnswerIsCutToFit() throws IOException {
        // tiny-gpt2's generated text, tokenized again, takes more tokens than were generated.
        Path editSet = Files.writeString(temp.resolve("edit.jsonl"),
                "{\"id\": \"short\", \"prompt\": \"Hi\", \"safe\": \"No.\", \"unsafe\": \"Yes.\"}\n");
        Path evalSet = Files.writeString(temp.resolve("eval.jsonl"), "{\"id\": \"e1\", \"prompt\": \"Hello\"}\n");
        Path out = temp.resolve("edited");

        CliRun run = CliRun.of("edit", "--model", SharedFiles.fixture("tiny-gpt2").toString(), "--device", "cpu",
                "--edit-set", editSet.toString(), "--eval-set", evalSet.toString(), "--max-new-tokens", "48",
                "--steps", "2", "--locality-count", "2", "--out", out.toString(), "--report",
                temp.resolve("report.json").toString());

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(Files.isDirectory(out), run::toString);
    }

    @Test
    void evalPromptTooLongForGpt2IsNamed() throws IOException {
        Path editSet = Files.writeString(temp.resolve("edit.jsonl"),
                "{\"id\": \"short\", \"prompt\": \"Hi\", \"safe\": \"No.\", \"unsafe\": \"Yes.\"}\n");
        Path evalSet = Files.writeString(temp.resolve("eval.jsonl"),
                "{\"id\": \"long\", \"prompt\": \"" + "word ".repeat(200).trim() + "\"}\n");
        Path report = temp.resolve("report.json");

        CliRun run = CliRun.of("edit", "--model", SharedFiles.fixture("tiny-gpt2").toString(), "--device", "cpu",
                "--edit-set", editSet.toString(), "--eval-set", evalSet.toString(), "--max-new-tokens", "4",
                "--method", "vanilla", "--report", report.toString());

        assertEquals(1, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Error: Attack prompt long (\"word word word"), run::toString);
        assertTrue(run.err().contains("but this GPT-2 model has 128 learned positions (n_positions); shorten the "
                + "prompt or remove it from the prompt set"), run::toString);
        assertFalse(Files.exists(report), run::toString);
    }

    @Test
    void perRecordModeEditsEachRecordAndSumsTheEdits() throws IOException {
        Path out = temp.resolve("edited");
        Path report = temp.resolve("report.json");

        CliRun run = CliRun.of("edit", "--model", demoModel().toString(), "--device", "cpu",
                "--edit-set", dataset("demo-edit.jsonl").toString(), "--eval-set", dataset("demo-eval.jsonl").toString(),
                "--max-edit-records", "3", "--max-eval-prompts", "3", "--locality-count", "2", "--steps", "2",
                "--max-new-tokens", "12", "--method", "pke", "--edit-mode", "per-record", "--neuron-count", "5",
                "--layers", "1", "--out", out.toString(), "--report", report.toString());

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals("per-record", json.get("edit_mode").asText());
        JsonNode perRecord = json.get("per_record");
        assertEquals(3, perRecord.size(), perRecord::toString);
        assertEquals(6, json.get("steps").asInt(), "two steps for each of three records");
        Set<String> union = new HashSet<>();
        for (JsonNode record : perRecord) {
            assertEquals(5, record.at("/hot_spots/0/neurons").size(), record::toString);
            int layer = record.at("/hot_spots/0/layer").asInt();
            record.at("/hot_spots/0/neurons").forEach(n -> union.add(layer + ":" + n.asInt()));
        }
        Set<String> reported = new HashSet<>();
        json.get("hot_spots").forEach(spot -> spot.get("neurons").forEach(
                n -> reported.add(spot.get("layer").asInt() + ":" + n.asInt())));
        assertEquals(union, reported, "the run's hot spots are the union of the records'");
        assertOnlyHotSpotColumnsChanged(out, json.get("hot_spots"));
    }

    @Test
    void badMethodModeAndSelectionAreRejectedBeforeLoading() {
        CliRun badMethod = edit("rome", 1, temp.resolve("a"), temp.resolve("a.json"));
        assertNotEquals(0, badMethod.exitCode());
        assertTrue(badMethod.err().contains("Unknown --method 'rome'"), badMethod::toString);

        CliRun noOut = CliRun.of("edit", "--model", demoModel().toString(), "--edit-set",
                dataset("demo-edit.jsonl").toString(), "--eval-set", dataset("demo-eval.jsonl").toString(),
                "--report", temp.resolve("b.json").toString());
        assertNotEquals(0, noOut.exitCode());
        assertTrue(noOut.err().contains("--out is required"), noOut::toString);

        CliRun both = CliRun.of("edit", "--model", demoModel().toString(), "--edit-set",
                dataset("demo-edit.jsonl").toString(), "--eval-set", dataset("demo-eval.jsonl").toString(),
                "--out", temp.resolve("c").toString(), "--report", temp.resolve("c.json").toString(),
                "--neuron-count", "3", "--score-share", "0.5");
        assertNotEquals(0, both.exitCode());
        assertTrue(both.err().contains("at most one of --neuron-fraction, --neuron-count and --score-share"),
                both::toString);

        CliRun mode = CliRun.of("edit", "--model", demoModel().toString(), "--edit-set",
                dataset("demo-edit.jsonl").toString(), "--eval-set", dataset("demo-eval.jsonl").toString(),
                "--out", temp.resolve("d").toString(), "--report", temp.resolve("d.json").toString(),
                "--edit-mode", "sequential");
        assertNotEquals(0, mode.exitCode());
        assertTrue(mode.err().contains("Unknown --edit-mode 'sequential'"), mode::toString);
    }

    @Test
    void existingNonEmptyOutIsRefusedBeforeAnyWork() throws IOException {
        Path out = Files.createDirectories(temp.resolve("taken"));
        Files.writeString(out.resolve("keep.txt"), "user data");
        Path report = temp.resolve("report.json");
        // A run that got as far as reading the datasets would fail on this file instead.
        Path brokenEditSet = Files.writeString(temp.resolve("broken.jsonl"), "{not json\n");

        CliRun run = CliRun.of("edit", "--model", demoModel().toString(), "--device", "cpu",
                "--edit-set", brokenEditSet.toString(), "--eval-set", dataset("demo-eval.jsonl").toString(),
                "--out", out.toString(), "--report", report.toString());

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains(out.toString()), run::toString);
        assertTrue(run.err().contains("is a directory that is not empty"), run::toString);
        assertFalse(Files.exists(report), "no report written");
        assertEquals("user data", Files.readString(out.resolve("keep.txt")));
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(1, files.count(), "nothing added to the existing directory");
        }
    }

    @Test
    void outInsideTheModelDirectoryIsRefusedBeforeAnyWork() throws IOException {
        Path model = CliRun.copyModel(demoModel(), temp.resolve("model"));
        Map<String, String> before = sha256PerFile(model);
        Path out = model.resolve("edited");
        Path report = temp.resolve("report.json");

        // A run that got as far as reading the datasets would fail on this file instead.
        Path brokenEditSet = Files.writeString(temp.resolve("broken.jsonl"), "{not json\n");

        CliRun run = CliRun.of("edit", "--model", model.toString(), "--device", "cpu",
                "--edit-set", brokenEditSet.toString(), "--eval-set", dataset("demo-eval.jsonl").toString(),
                "--out", out.toString(), "--report", report.toString());

        assertNotEquals(0, run.exitCode(), run::toString);
        assertTrue(run.err().contains(out.toString()), run::toString);
        assertTrue(run.err().contains("inside it"), run::toString);
        assertFalse(Files.exists(report), "no report written");
        assertEquals(before, sha256PerFile(model), "the model directory is unchanged");
    }

    /**
     * Reloads the saved model and compares every parameter with the demo model's: only the
     * hot-spot layers' down projections may differ, and only in the reported neurons' columns.
     * Then the edit must show in the logits.
     */
    private static void assertOnlyHotSpotColumnsChanged(Path editedDir, JsonNode hotSpots) throws IOException {
        try (DecoderModel original = DecoderModel.load(demoModel(), Device.cpu());
                DecoderModel edited = DecoderModel.load(editedDir, Device.cpu())) {
            Map<String, Set<Integer>> allowedColumns = new TreeMap<>();
            Map<String, Integer> neuronAxis = new TreeMap<>();
            for (JsonNode hotSpot : hotSpots) {
                MlpLayout layout = original.mlpLayout(hotSpot.get("layer").asInt());
                Set<Integer> neurons = new HashSet<>();
                hotSpot.get("neurons").forEach(n -> neurons.add(n.asInt()));
                allowedColumns.put(layout.down(), neurons);
                neuronAxis.put(layout.down(), layout.downNeuronAxis());
            }

            assertEquals(original.parameterNames().stream().sorted().toList(),
                    edited.parameterNames().stream().sorted().toList());
            int changedColumns = 0;
            for (String name : original.parameterNames()) {
                NDArray before = original.parameter(name);
                NDArray after = edited.parameter(name);
                assertEquals(before.getShape(), after.getShape(), name);
                if (!allowedColumns.containsKey(name)) {
                    assertTrue(before.contentEquals(after), name + " must be unchanged");
                    continue;
                }
                List<Integer> changed = changedSlices(before, after, neuronAxis.get(name));
                assertTrue(allowedColumns.get(name).containsAll(changed),
                        name + " changed outside the reported neurons: " + changed);
                changedColumns += changed.size();
            }
            assertTrue(changedColumns > 0, "the edit changed some down_proj columns");

            assertFalse(logits(original).contentEquals(logits(edited)), "the edit changes the logits");
        }
    }

    /** Indices along {@code axis} of a 2-D weight where any value differs. */
    private static List<Integer> changedSlices(NDArray before, NDArray after, int axis) {
        long[] shape = before.getShape().getShape();
        float[] a = before.toFloatArray();
        float[] b = after.toFloatArray();
        List<Integer> changed = new ArrayList<>();
        for (int slice = 0; slice < shape[axis]; slice++) {
            for (int other = 0; other < shape[1 - axis]; other++) {
                int index = axis == 1 ? (int) (other * shape[1] + slice) : (int) (slice * shape[1] + other);
                if (Float.compare(a[index], b[index]) != 0) {
                    changed.add(slice);
                    break;
                }
            }
        }
        return changed;
    }

    /** Logits [1, T, vocab] for a fixed prompt, copied out of the model's memory. */
    private static NDArray logits(DecoderModel model) {
        NDManager scope = model.manager().newSubManager();
        return model.forward(scope, scope.create(PROBE_IDS).reshape(1, PROBE_IDS.length), ForwardOptions.create())
                .logits();
    }

    private static Map<String, String> sha256PerFile(Path dir) throws IOException {
        Map<String, String> hashes = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                hashes.put(dir.relativize(file).toString(), sha256(file));
            }
        }
        return hashes;
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
