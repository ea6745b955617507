package org.pkeworkbench.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.testing.SharedFiles;

/** Checks causal tracing's invariants on real checkpoints. */
class CausalTracingTest {

    private static final long[] PROMPT = {1, 403, 407, 261, 300};
    private static final long TARGET = 350;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama3-bf16-sharded", "tiny-qwen2", "tiny-mistral", "tiny-gpt2"})
    void restoringEverythingGivesCleanProbability(String fixture) throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture(fixture), Device.cpu());
                CausalTracing tracing = new CausalTracing(model, new long[] {1, 5, 9, 3}, 7,
                        CausalTraceSettings.defaults().withSamples(3))) {
            checkFullRestore(model, tracing, 4);
        }
    }

    @Test
    void restoringEverythingGivesCleanProbabilityOnStories() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
                CausalTracing tracing = new CausalTracing(model, PROMPT, TARGET, CausalTraceSettings.defaults())) {
            checkFullRestore(model, tracing, PROMPT.length);
        }
    }

    private static void checkFullRestore(DecoderModel model, CausalTracing tracing, int tokens) {
        int[] everyToken = IntStream.range(0, tokens).toArray();
        Map<Integer, int[]> restore = new HashMap<>();
        for (int layer = 0; layer < model.config().numLayers(); layer++) {
            restore.put(layer, everyToken);
        }
        assertNotEquals(tracing.cleanProbability(), tracing.corruptedProbability(), "noise changes the output");
        assertEquals(tracing.cleanProbability(), tracing.restoredProbability(restore), 1e-6);
    }

    @Test
    void zeroNoiseLeavesCleanProbability() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
                CausalTracing tracing = new CausalTracing(model, PROMPT, TARGET,
                        CausalTraceSettings.defaults().withNoiseMultiplier(0).withSamples(2))) {
            CausalTraceResult result = tracing.run(null, ProgressListener.NONE);
            assertEquals(0.0, result.noiseStd());
            assertEquals(result.cleanProbability(), result.corruptedProbability(), 1e-6);
            for (double[] row : result.indirectEffect()) {
                for (double effect : row) {
                    assertEquals(0.0, effect, 1e-6);
                }
            }
        }
    }

    @Test
    void sameSeedGivesSameTable() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            CausalTraceSettings settings = CausalTraceSettings.defaults().withSamples(4).withSeed(42);
            CausalTraceResult first = trace(model, settings);
            CausalTraceResult second = trace(model, settings);
            CausalTraceResult otherSeed = trace(model, settings.withSeed(43));

            assertEquals(model.config().numLayers(), first.restoredProbability().length);
            assertEquals(PROMPT.length, first.restoredProbability()[0].length);
            assertEquals(first.corruptedProbability(), second.corruptedProbability());
            for (int layer = 0; layer < first.restoredProbability().length; layer++) {
                assertArrayEquals(first.restoredProbability()[layer], second.restoredProbability()[layer], "layer " + layer);
            }
            assertNotEquals(first.corruptedProbability(), otherSeed.corruptedProbability());
        }
    }

    @Test
    void lastLayerRestoreAtLastTokenIsClean() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            CausalTraceResult result = trace(model, CausalTraceSettings.defaults().withSamples(3));
            int lastLayer = model.config().numLayers() - 1;
            assertEquals(result.cleanProbability(), result.restoredProbability()[lastLayer][PROMPT.length - 1], 1e-6);
        }
    }

    @Test
    void invalidRangeIsRejected() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            assertThrows(IllegalArgumentException.class, () -> new CausalTracing(model, PROMPT, TARGET,
                    CausalTraceSettings.defaults().withCorruptedRange(3, 9)));
            assertThrows(IllegalArgumentException.class, () -> CausalTraceSettings.defaults().withSamples(0));
        }
    }

    private static CausalTraceResult trace(DecoderModel model, CausalTraceSettings settings) {
        try (CausalTracing tracing = new CausalTracing(model, PROMPT, TARGET, settings)) {
            return tracing.run(null, ProgressListener.NONE);
        }
    }

    @Test
    void windowRowsRestoreClippedLayerRange() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
                CausalTracing tracing = new CausalTracing(model, PROMPT, TARGET,
                        CausalTraceSettings.defaults().withSamples(3))) {
            int numLayers = model.config().numLayers();
            CausalTraceResult result = tracing.run(RestoredState.MLP_OUT, 3, null, ProgressListener.NONE);

            assertEquals(RestoredState.MLP_OUT, result.restoredState());
            assertEquals(3, result.window());
            assertEquals(numLayers, result.restoredProbability().length);
            int token = PROMPT.length - 2;
            Map<Integer, int[]> firstRow = Map.of(0, new int[] {token}, 1, new int[] {token});
            assertEquals(tracing.restoredProbability(RestoredState.MLP_OUT, firstRow),
                    result.restoredProbability()[0][token]);
            Map<Integer, int[]> middleRow = Map.of(1, new int[] {token}, 2, new int[] {token}, 3, new int[] {token});
            assertEquals(tracing.restoredProbability(RestoredState.MLP_OUT, middleRow),
                    result.restoredProbability()[2][token]);
            assertEquals(result.restoredProbability()[2][token] - result.corruptedProbability(),
                    result.indirectEffect()[2][token], 1e-12);
        }
    }

    @Test
    void windowAroundClipsAtModelEdges() {
        assertEquals(java.util.Set.of(0, 1, 2, 3, 4), CausalTracing.windowAround(0, 10, 5, 1).keySet());
        assertEquals(java.util.Set.of(3, 4), CausalTracing.windowAround(4, 3, 5, 1).keySet());
        assertEquals(java.util.Set.of(2), CausalTracing.windowAround(2, 1, 5, 1).keySet());
    }

    @Test
    void restoringAllAttentionAndMlpOutputsAtCleanEmbeddingIsClean() throws IOException {
        // With zero noise every restored block output already equals the clean one.
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
                CausalTracing tracing = new CausalTracing(model, PROMPT, TARGET,
                        CausalTraceSettings.defaults().withSamples(2).withNoiseMultiplier(0))) {
            Map<Integer, int[]> restore = new HashMap<>();
            for (int layer = 0; layer < model.config().numLayers(); layer++) {
                restore.put(layer, IntStream.range(0, PROMPT.length).toArray());
            }
            assertEquals(tracing.cleanProbability(), tracing.restoredProbability(RestoredState.ATTN_OUT, restore), 1e-6);
            assertEquals(tracing.cleanProbability(), tracing.restoredProbability(RestoredState.MLP_OUT, restore), 1e-6);
        }
    }

    @Test
    void cancelledListenerStopsTrace() throws IOException {
        ProgressListener cancelled = new ProgressListener() {
            @Override
            public void update(double fraction, String message) {}

            @Override
            public boolean isCancelled() {
                return true;
            }
        };
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
                CausalTracing tracing = new CausalTracing(model, PROMPT, TARGET,
                        CausalTraceSettings.defaults().withSamples(2))) {
            assertThrows(CancellationException.class, () -> tracing.run(null, cancelled));
            assertThrows(CancellationException.class,
                    () -> LogitLens.run(model, null, PROMPT, new long[0], 3, cancelled));
        }
    }

    @Test
    void noiseOutsideCorruptedRangeIsZero() throws IOException {
        // Corrupting only the last token leaves the earlier positions clean, so restoring the last
        // token in layer 0 brings back the clean probability.
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
                CausalTracing tracing = new CausalTracing(model, PROMPT, TARGET, CausalTraceSettings.defaults()
                        .withSamples(3).withCorruptedRange(PROMPT.length - 1, PROMPT.length))) {
            assertNotEquals(tracing.cleanProbability(), tracing.corruptedProbability());
            assertEquals(tracing.cleanProbability(),
                    tracing.restoredProbability(Map.of(0, new int[] {PROMPT.length - 1})), 1e-6);
        }
    }
}
