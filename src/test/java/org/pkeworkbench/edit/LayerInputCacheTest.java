package org.pkeworkbench.edit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.DemoModel;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.testing.SharedFiles;

/**
 * Edits with cached inputs of the first edited layer against edits that run the whole model in
 * every step: same settings, same records, so the losses and the weight changes must agree.
 */
class LayerInputCacheTest {

    /** Token ids below 512, valid for both models (stories260K and the demo model have 512 tokens). */
    private static final List<EditExample> EXAMPLES = List.of(
            new EditExample(new long[] {1, 403, 407, 261, 378}, new long[] {432, 383, 286, 261},
                    new long[] {432, 383, 315, 421, 395}),
            new EditExample(new long[] {1, 376, 298, 315}, new long[] {421, 395, 317}, new long[] {426, 338, 401}),
            new EditExample(new long[] {1, 410, 408}, new long[] {411, 322}, new long[] {411, 322}));
    private static final List<LocalityExample> LOCALITY = List.of(
            new LocalityExample(new long[] {1, 426, 338, 391}, new long[] {266, 267, 337}),
            new LocalityExample(new long[] {1, 300}, new long[] {301, 302, 303, 304}));

    /** Largest allowed difference between the two modes, in weight units and in loss units. */
    private static final float WEIGHT_TOLERANCE = 1e-6f;
    private static final double LOSS_TOLERANCE = 1e-5;

    static Stream<Arguments> models() throws IOException {
        return Stream.of(Arguments.of("stories260K", SharedFiles.stories260K()),
                Arguments.of("demo", DemoModel.directory()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void cachedEditEqualsFullRecomputation(String name, Path directory) throws IOException {
        // Hot spots in two layers: the first edited layer (2) decides where the cached inputs are taken.
        List<HotSpot> spots = List.of(new HotSpot(4, List.of(0, 9, 33)), new HotSpot(2, List.of(5, 17, 40, 100)));
        // Every loss term is on: safe NLL, unlikelihood, KL with first-position weight and the norm.
        EditSettings settings = new EditSettings("pke", 5e-3, 6, 1.0, 0.5, 2.0, 4.0, true, 0.01,
                EnumSet.of(EditSettings.TrainedMatrix.DOWN, EditSettings.TrainedMatrix.UP), 0, 0, 0, 42L);

        try (DecoderModel model = DecoderModel.load(directory, Device.cpu())) {
            MaskedEditor editor = new MaskedEditor(model);
            MaskedEditor.EditRun cached = editor.edit(EXAMPLES, LOCALITY, spots, settings, ProgressListener.NONE);
            MaskedEditor.EditRun full = editor.edit(EXAMPLES, LOCALITY, spots, settings.withFullRecomputation(true),
                    ProgressListener.NONE);
            try (WeightDelta cachedDelta = cached.delta(); WeightDelta fullDelta = full.delta()) {
                assertEquals(full.stepsRun(), cached.stepsRun());
                for (int i = 0; i < full.history().size(); i++) {
                    StepRecord expected = full.history().get(i);
                    StepRecord actual = cached.history().get(i);
                    assertEquals(expected.loss(), actual.loss(), LOSS_TOLERANCE, "loss of step " + (i + 1));
                    assertEquals(expected.safeNll(), actual.safeNll(), LOSS_TOLERANCE, "safe NLL of step " + (i + 1));
                    assertEquals(expected.unsafeProbability(), actual.unsafeProbability(), LOSS_TOLERANCE,
                            "unsafe probability of step " + (i + 1));
                    assertEquals(expected.kl(), actual.kl(), LOSS_TOLERANCE, "KL of step " + (i + 1));
                }
                assertTrue(full.history().get(0).kl() == 0, "the first step starts from the unedited model");
                assertTrue(full.history().get(5).kl() > 0, "later steps move away from it");

                Map<String, NDArray> expectedChanges = fullDelta.changes();
                assertEquals(expectedChanges.keySet(), cachedDelta.changes().keySet());
                for (Map.Entry<String, NDArray> entry : expectedChanges.entrySet()) {
                    float[] expected = entry.getValue().toFloatArray();
                    float[] actual = cachedDelta.changes().get(entry.getKey()).toFloatArray();
                    assertArrayEquals(expected, actual, WEIGHT_TOLERANCE, entry.getKey());
                    assertTrue(maxAbs(expected) > 100 * WEIGHT_TOLERANCE, entry.getKey() + " changed");
                }
            }
        }
    }

    @Test
    void recomputationSettingSurvivesJson() {
        ObjectMapper mapper = new ObjectMapper();
        EditSettings full = EditSettings.pkeDefaults().withFullRecomputation(true);

        EditSettings read = mapper.convertValue(mapper.valueToTree(full), EditSettings.class);

        assertEquals(full, read);
        assertFalse(EditSettings.pkeDefaults().fullRecomputation(), "activation reuse is the default");
        assertTrue(full.withSteps(2).fullRecomputation(), "withSteps keeps the mode");
    }

    private static float maxAbs(float[] values) {
        float max = 0;
        for (float value : values) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }
}
