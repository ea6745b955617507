package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.edit.DeltaFile;
import org.pkeworkbench.edit.EditExample;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.edit.EditedModelWriter;
import org.pkeworkbench.edit.LocalityExample;
import org.pkeworkbench.edit.MaskedEditor;
import org.pkeworkbench.edit.WeightDelta;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.io.SafetensorsFile;
import org.pkeworkbench.model.io.SafetensorsWriter;
import org.pkeworkbench.testing.SharedFiles;

/** {@code apply-delta} on the shared stories260K, read in place, against the same edit applied in memory. */
class ApplyDeltaCommandTest {

    private static final long[] PROBE_IDS = {1, 403, 407, 261, 378, 432, 383, 286};

    @TempDir
    Path temp;

    @Test
    void appliedDeltaMatchesTheInMemoryEdit() throws IOException {
        Path source = SharedFiles.stories260K();
        Path deltaFile = temp.resolve("edit.delta.safetensors");
        Path fromCli = temp.resolve("from-cli");
        Path fromWriter = temp.resolve("from-writer");
        float[] editedLogits;

        try (DecoderModel model = DecoderModel.load(source, Device.cpu());
                WeightDelta delta = twoStepEdit(model)) {
            float[] before = logits(model);
            DeltaFile.save(delta, model, deltaFile);
            WeightDelta.AppliedEdit applied = delta.apply(model);
            editedLogits = logits(model);
            EditedModelWriter.write(model, fromWriter);
            applied.revert();
            assertFalse(java.util.Arrays.equals(before, editedLogits), "the edit changes the logits");
        }

        CliRun run = CliRun.of("apply-delta", "--model", source.toString(), "--delta", deltaFile.toString(),
                "--out", fromCli.toString(), "--device", "cpu");

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(Files.size(deltaFile) * 50 < Files.size(source.resolve("model.safetensors")),
                "the delta file is much smaller than the model");
        try (DecoderModel cli = DecoderModel.load(fromCli, Device.cpu());
                DecoderModel writer = DecoderModel.load(fromWriter, Device.cpu())) {
            assertArrayEquals(editedLogits, logits(cli), 1e-6f);
            assertEquals(writer.parameterNames(), cli.parameterNames());
            for (String name : writer.parameterNames()) {
                assertArrayEquals(writer.parameter(name).toFloatArray(), cli.parameter(name).toFloatArray(), name);
            }
        }
    }

    @Test
    void deltaForAnotherModelFailsWithTheMismatch() throws IOException {
        Path deltaFile = temp.resolve("edit.delta.safetensors");
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
                WeightDelta delta = twoStepEdit(model)) {
            DeltaFile.save(delta, model, deltaFile);
        }
        Path out = temp.resolve("out");

        String other = SharedFiles.fixture("tiny-llama3").toString();

        CliRun run = CliRun.of("apply-delta", "--model", other, "--delta", deltaFile.toString(), "--out", out.toString(),
                "--device", "cpu");
        CliRun allowed = CliRun.of("apply-delta", "--model", other, "--delta", deltaFile.toString(), "--out",
                out.toString(), "--device", "cpu", "--allow-other-base");

        assertNotEquals(0, run.exitCode(), run::toString);
        assertTrue(run.err().contains("the delta was made for another model: intermediate_size 172 (model: 128)"),
                run::toString);
        assertFalse(run.err().contains("--allow-other-base"), "the flag cannot help here: " + run);
        assertNotEquals(0, allowed.exitCode(), allowed::toString);
        assertTrue(allowed.err().contains("the delta was made for another model"), allowed::toString);
        assertFalse(Files.exists(out), "nothing is written");
    }

    @Test
    void copiedBaseModelMatches() throws IOException {
        Path deltaFile = savedDelta();
        Path copy = CliRun.copyModel(SharedFiles.stories260K(), temp.resolve("copy-of-stories"));

        CliRun run = CliRun.of("apply-delta", "--model", copy.toString(), "--delta", deltaFile.toString(),
                "--out", temp.resolve("out").toString(), "--device", "cpu");

        assertEquals(0, run.exitCode(), run::toString);
        assertFalse(run.err().contains("Warning"), run::toString);
    }

    @Test
    void changedBaseModelNeedsAllowOtherBase() throws IOException {
        Path deltaFile = savedDelta();
        Path changed = CliRun.copyModel(SharedFiles.stories260K(), temp.resolve("changed"));
        Path config = changed.resolve("config.json");
        Files.writeString(config, Files.readString(config) + "\n");
        Path out = temp.resolve("out");

        CliRun run = CliRun.of("apply-delta", "--model", changed.toString(), "--delta", deltaFile.toString(),
                "--out", out.toString(), "--device", "cpu");
        boolean writtenWithoutFlag = Files.exists(out);
        CliRun allowed = CliRun.of("apply-delta", "--model", changed.toString(), "--delta", deltaFile.toString(),
                "--out", out.toString(), "--device", "cpu", "--allow-other-base");

        assertEquals(1, run.exitCode(), run::toString);
        assertTrue(run.err().contains("its config.json or weight files differ"), run::toString);
        assertFalse(writtenWithoutFlag, "nothing is written without --allow-other-base");
        assertEquals(0, allowed.exitCode(), allowed::toString);
        assertTrue(allowed.err().contains("Applying anyway, as --allow-other-base asks"), allowed::toString);
        assertTrue(Files.isDirectory(out), allowed::toString);
    }

    @Test
    void deltaWithoutBaseModelGetsAWarning() throws IOException {
        Path deltaFile = savedDelta();
        SafetensorsFile stored = SafetensorsFile.read(deltaFile);
        Map<String, String> metadata = new LinkedHashMap<>(stored.metadata());
        metadata.keySet().removeIf(key -> key.startsWith("base_model_"));
        Path older = temp.resolve("older.delta.safetensors");
        try (NDManager scratch = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String name : stored.tensors().keySet()) {
                tensors.put(name, stored.loadFloat32(name, scratch));
            }
            SafetensorsWriter.write(older, tensors, metadata);
        }

        CliRun run = CliRun.of("apply-delta", "--model", SharedFiles.stories260K().toString(), "--delta",
                older.toString(), "--out", temp.resolve("out").toString(), "--device", "cpu");

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.err().contains("does not record the model it was made from"), run::toString);
    }

    @Test
    void outInsideTheModelDirectoryIsRejected() {
        Path source = SharedFiles.stories260K();

        CliRun run = CliRun.of("apply-delta", "--model", source.toString(), "--delta", temp.resolve("x").toString(),
                "--out", source.resolve("edited").toString(), "--device", "cpu");

        assertNotEquals(0, run.exitCode(), run::toString);
        assertFalse(Files.exists(source.resolve("edited")));
    }

    @Test
    void editWritesADeltaThatRebuildsTheEditedModel() throws IOException {
        Path demo = CliRun.assets().resolve("models").resolve("demo");
        Path datasets = CliRun.assets().resolve("datasets");
        Path edited = temp.resolve("edited");
        Path deltaFile = temp.resolve("edit.delta.safetensors");
        CliRun edit = CliRun.of("edit", "--model", demo.toString(), "--device", "cpu",
                "--edit-set", datasets.resolve("demo-edit.jsonl").toString(),
                "--eval-set", datasets.resolve("demo-eval.jsonl").toString(), "--max-edit-records", "3",
                "--max-eval-prompts", "3", "--locality-count", "3", "--steps", "2", "--max-new-tokens", "8",
                "--out", edited.toString(), "--report", temp.resolve("report.json").toString(),
                "--delta", deltaFile.toString());
        assertEquals(0, edit.exitCode(), edit::toString);
        Path rebuilt = temp.resolve("rebuilt");

        CliRun apply = CliRun.of("apply-delta", "--model", demo.toString(), "--delta", deltaFile.toString(),
                "--out", rebuilt.toString(), "--device", "cpu");

        assertEquals(0, apply.exitCode(), apply::toString);
        try (DecoderModel expected = DecoderModel.load(edited, Device.cpu());
                DecoderModel actual = DecoderModel.load(rebuilt, Device.cpu())) {
            for (String name : expected.parameterNames()) {
                assertArrayEquals(expected.parameter(name).toFloatArray(), actual.parameter(name).toFloatArray(), name);
            }
        }
    }

    /** Saves a {@link #twoStepEdit} of stories260K and returns the delta file. */
    private Path savedDelta() throws IOException {
        Path deltaFile = temp.resolve("edit.delta.safetensors");
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
                WeightDelta delta = twoStepEdit(model)) {
            DeltaFile.save(delta, model, deltaFile);
        }
        return deltaFile;
    }

    /** A 2-step PKE edit of three down-projection columns of layer 3. */
    private static WeightDelta twoStepEdit(DecoderModel model) {
        List<EditExample> examples = List.of(new EditExample(new long[] {1, 403, 407, 261, 378},
                new long[] {432, 383, 286, 261}, new long[] {432, 383, 315, 421, 395}));
        List<LocalityExample> locality = List.of(
                new LocalityExample(new long[] {1, 426, 338, 391}, new long[] {266, 267, 337}));
        return new MaskedEditor(model).edit(examples, locality, List.of(new HotSpot(3, List.of(5, 17, 40))),
                EditSettings.pkeDefaults().withSteps(2), ProgressListener.NONE).delta();
    }

    private static float[] logits(DecoderModel model) {
        try (NDManager scope = model.manager().newSubManager()) {
            return model.forward(scope, scope.create(PROBE_IDS).reshape(1, PROBE_IDS.length), ForwardOptions.create())
                    .logits().toFloatArray();
        }
    }
}
