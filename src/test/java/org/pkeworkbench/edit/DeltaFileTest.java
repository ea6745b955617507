package org.pkeworkbench.edit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.MlpLayout;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.io.ModelFormatException;
import org.pkeworkbench.model.io.SafetensorsFile;
import org.pkeworkbench.model.io.SafetensorsWriter;
import org.pkeworkbench.testing.SharedFiles;

/** Saves and loads a real 2-step edit of stories260K that trains down, gate and up slices. */
class DeltaFileTest {

    private static final List<EditExample> EXAMPLES = List.of(
            new EditExample(new long[] {1, 403, 407, 261, 378}, new long[] {432, 383, 286, 261},
                    new long[] {432, 383, 315, 421, 395}),
            new EditExample(new long[] {1, 376, 298, 315}, new long[] {421, 395, 317}, new long[] {426, 338, 401}));
    private static final List<LocalityExample> LOCALITY = List.of(
            new LocalityExample(new long[] {1, 426, 338, 391}, new long[] {266, 267, 337}));
    private static final HotSpot SPOT = new HotSpot(3, List.of(5, 17, 40));

    private static DecoderModel model;
    private static WeightDelta delta;

    @TempDir
    Path temp;

    @BeforeAll
    static void edit() throws IOException {
        model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
        EditSettings base = EditSettings.pkeDefaults();
        EditSettings allMatrices = new EditSettings(base.method(), base.learningRate(), 2, base.safeWeight(),
                base.unlikelihoodWeight(), base.klWeight(), base.firstPositionKlWeight(), base.klHasGradient(),
                base.normWeight(), EnumSet.allOf(EditSettings.TrainedMatrix.class), base.safeNllTarget(),
                base.unsafeProbabilityTarget(), base.maxChange(), base.seed());
        delta = new MaskedEditor(model).edit(EXAMPLES, LOCALITY, List.of(SPOT), allMatrices, ProgressListener.NONE)
                .delta();
    }

    @AfterAll
    static void close() {
        delta.close();
        model.close();
    }

    @Test
    void roundTripKeepsEveryChangeAndTheHotSpots() throws IOException {
        Path file = temp.resolve("edit.delta.safetensors");
        DeltaFile.save(delta, model, file);

        try (WeightDelta loaded = DeltaFile.load(file, model)) {
            assertEquals(delta.changes().keySet(), loaded.changes().keySet());
            assertEquals(3, loaded.changes().size(), "down, gate and up of layer 3 changed");
            for (String name : delta.changes().keySet()) {
                assertArrayEquals(delta.changes().get(name).toFloatArray(), loaded.changes().get(name).toFloatArray(),
                        name);
            }
            assertEquals(List.of(SPOT), loaded.hotSpots());
            assertEquals(delta.changedWeightCount(), loaded.changedWeightCount());
        }
    }

    @Test
    void loadedDeltaKeepsOnlyTheSlices() throws IOException {
        Path file = temp.resolve("edit.delta.safetensors");
        DeltaFile.save(delta, model, file);

        try (WeightDelta loaded = DeltaFile.load(file, model)) {
            long hidden = model.config().hiddenSize();
            assertEquals(3 * 3 * hidden, loaded.storedValueCount(), "three neurons of down, gate and up");
            assertEquals(delta.storedValueCount(), loaded.storedValueCount());
        }
    }

    @Test
    void fullShapeChangeKeepsItsChangedNeurons() throws IOException {
        String down = model.mlpLayout(2).down();
        long[] shape = model.parameter(down).getShape().getShape();
        float[] values = new float[(int) (shape[0] * shape[1])];
        values[7] = 0.5f;
        values[(int) shape[1] + 30] = -0.25f;
        Path file = temp.resolve("full.delta.safetensors");
        try (NDManager scratch = model.manager().newSubManager()) {
            NDArray change = scratch.create(values, new Shape(shape));
            try (WeightDelta full = new WeightDelta(model.manager(), Map.of(down, change), List.of())) {
                DeltaFile.save(full, model, file);
            }
        }

        try (WeightDelta loaded = DeltaFile.load(file, model)) {
            assertEquals(2 * shape[0], loaded.storedValueCount(), "neurons 7 and 30 of the down projection");
            assertArrayEquals(values, loaded.changes().get(down).toFloatArray());
        }
    }

    @Test
    void unorderedNeuronsAreRejected() throws IOException {
        Path file = temp.resolve("edit.delta.safetensors");
        DeltaFile.save(delta, model, file);
        SafetensorsFile stored = SafetensorsFile.read(file);
        Map<String, String> metadata = new LinkedHashMap<>(stored.metadata());
        metadata.put("tensors", metadata.get("tensors").replace("[5,17,40]", "[17,5,40]"));
        Path unordered = temp.resolve("unordered.delta.safetensors");
        try (NDManager scratch = model.manager().newSubManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String name : stored.tensors().keySet()) {
                tensors.put(name, stored.loadFloat32(name, scratch));
            }
            SafetensorsWriter.write(unordered, tensors, metadata);
        }

        ModelFormatException error = assertThrows(ModelFormatException.class, () -> DeltaFile.load(unordered, model));
        assertTrue(error.getMessage().contains("not in ascending order (17 before 5)"), error.getMessage());
    }

    @Test
    void fileHoldsOnlyTheChangedSlices() throws IOException {
        Path file = temp.resolve("edit.delta.safetensors");
        DeltaFile.save(delta, model, file);

        SafetensorsFile stored = SafetensorsFile.read(file);
        MlpLayout layout = model.mlpLayout(3);
        long hidden = model.config().hiddenSize();
        Map<String, ?> tensors = stored.tensors();
        assertArrayEquals(new long[] {hidden, 3}, stored.tensors().get(model.storedName(layout.down()) + ".delta").shape());
        assertArrayEquals(new long[] {3, hidden}, stored.tensors().get(model.storedName(layout.up()) + ".delta").shape());
        assertEquals(3, tensors.size());
        assertEquals(DeltaFile.FORMAT, stored.metadata().get("format"));

        long modelBytes = Files.size(SharedFiles.stories260K().resolve("model.safetensors"));
        assertTrue(Files.size(file) * 50 < modelBytes, Files.size(file) + " bytes against " + modelBytes);
    }

    @Test
    void deltaForAnotherModelIsRejectedWithTheMismatch() throws IOException {
        Path file = temp.resolve("edit.delta.safetensors");
        DeltaFile.save(delta, model, file);

        try (DecoderModel other = DecoderModel.load(SharedFiles.fixture("tiny-llama3"), Device.cpu())) {
            ModelFormatException error = assertThrows(ModelFormatException.class, () -> DeltaFile.load(file, other));
            assertTrue(error.getMessage().contains("made for another model"), error.getMessage());
            assertTrue(error.getMessage().contains("intermediate_size 172 (model: 128)"), error.getMessage());
        }
    }

    @Test
    void fileOfAnotherFormatIsRejected() {
        Path weights = SharedFiles.stories260K().resolve("model.safetensors");
        ModelFormatException error = assertThrows(ModelFormatException.class, () -> DeltaFile.load(weights, model));
        assertTrue(error.getMessage().contains("pke-delta"), error.getMessage());
    }
}
