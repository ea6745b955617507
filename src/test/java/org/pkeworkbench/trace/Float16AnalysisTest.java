package org.pkeworkbench.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.locate.LocateResult;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.locate.Locator;
import org.pkeworkbench.edit.EditExample;
import org.pkeworkbench.model.ComputeDType;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.testing.SharedFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analysis paths on a float16 stories260K against the same model in float32: they run on
 * float32 captures and give nearly the same numbers.
 */
class Float16AnalysisTest {

    private static final Logger LOG = LoggerFactory.getLogger(Float16AnalysisTest.class);

    private static final long[] PROMPT = {1, 403, 407, 261, 300};
    /** The float32 model's greedy next token after {@link #PROMPT}, so its probability is large enough to compare. */
    private static long target;

    private static DecoderModel wide;
    private static DecoderModel half;

    @BeforeAll
    static void load() throws IOException {
        wide = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
        half = DecoderModel.load(SharedFiles.stories260K(), Device.cpu(), ComputeDType.FLOAT16);
        try (NDManager scope = wide.manager().newSubManager()) {
            NDArray logits = wide.forward(scope, scope.create(PROMPT).reshape(1, PROMPT.length), ForwardOptions.create())
                    .logits();
            target = logits.get(0, PROMPT.length - 1).argMax().getLong();
        }
    }

    @AfterAll
    static void close() {
        wide.close();
        half.close();
    }

    @Test
    void logitLensTargetProbabilitiesClose() {
        long[] continuation = {target, 261};
        LogitLensResult expected = LogitLens.run(wide, null, PROMPT, continuation, 3, ProgressListener.NONE);
        LogitLensResult actual = LogitLens.run(half, null, PROMPT, continuation, 3, ProgressListener.NONE);
        double worst = 0;
        for (int layer = 0; layer < expected.targetProbabilities().length; layer++) {
            for (int j = 0; j < continuation.length; j++) {
                worst = Math.max(worst, Math.abs(expected.targetProbabilities()[layer][j]
                        - actual.targetProbabilities()[layer][j]));
            }
        }
        LOG.info("Logit lens, float16 against float32: max |probability difference| {}", worst);
        assertTrue(worst < 1e-2, "max probability difference " + worst);
        int last = expected.layers().length - 1;
        assertEquals(expected.top()[last][PROMPT.length - 1][0].id(), actual.top()[last][PROMPT.length - 1][0].id(),
                "top token of the last layer at the last prompt position");
    }

    @Test
    void causalTraceRestoresCleanProbability() {
        try (CausalTracing tracing = new CausalTracing(half, PROMPT, target,
                        CausalTraceSettings.defaults().withSamples(3));
                CausalTracing reference = new CausalTracing(wide, PROMPT, target,
                        CausalTraceSettings.defaults().withSamples(3))) {
            Map<Integer, int[]> restore = new HashMap<>();
            int[] everyToken = IntStream.range(0, PROMPT.length).toArray();
            for (int layer = 0; layer < half.config().numLayers(); layer++) {
                restore.put(layer, everyToken);
            }
            LOG.info("Causal trace clean probability: float16 {}, float32 {}", tracing.cleanProbability(),
                    reference.cleanProbability());
            assertEquals(reference.cleanProbability(), tracing.cleanProbability(), 1e-2, "clean probability");
            assertTrue(tracing.corruptedProbability() != tracing.cleanProbability(), "noise changes the output");
            assertEquals(tracing.cleanProbability(), tracing.restoredProbability(restore), 1e-6,
                    "restoring every state gives the clean run");

            CausalTraceResult result = tracing.run(null, ProgressListener.NONE);
            assertEquals(half.config().numLayers(), result.indirectEffect()[0].length, "one column per layer");
        }
    }

    @Test
    void contributionWeightsClose() {
        ContributionGraph expected = new ContributionTracer(wide, 3).trace(PROMPT, ProgressListener.NONE);
        ContributionGraph actual = new ContributionTracer(half, 3).trace(PROMPT, ProgressListener.NONE);
        double worst = 0;
        for (int layer = 0; layer < expected.numLayers(); layer++) {
            for (int t = 0; t < PROMPT.length; t++) {
                worst = Math.max(worst, Math.abs(expected.layer(layer).mlpWeights()[t]
                        - actual.layer(layer).mlpWeights()[t]));
                double[] wideSources = expected.layer(layer).sourceWeights()[t];
                double[] halfSources = actual.layer(layer).sourceWeights()[t];
                for (int s = 0; s < wideSources.length; s++) {
                    worst = Math.max(worst, Math.abs(wideSources[s] - halfSources[s]));
                }
            }
        }
        LOG.info("Contributions, float16 against float32: max |weight difference| {}", worst);
        assertTrue(worst < 1e-2, "max weight difference " + worst);
    }

    @Test
    void weightNormsClose() {
        NeuronWeightTables expected = WeightViews.norms(wide);
        NeuronWeightTables actual = WeightViews.norms(half);
        for (int layer = 0; layer < wide.config().numLayers(); layer++) {
            float[] wideDown = expected.down()[layer];
            float[] halfDown = actual.down()[layer];
            for (int j = 0; j < wideDown.length; j++) {
                assertEquals(wideDown[j], halfDown[j], 1e-3 * wideDown[j] + 1e-6, "layer " + layer + " neuron " + j);
            }
        }
    }

    @Test
    void locateSuggestsSameLayers() {
        java.util.List<EditExample> examples = java.util.List.of(
                new EditExample(new long[] {1, 403, 407, 261, 378}, new long[] {432, 383, 286, 261},
                        new long[] {432, 383, 315, 421, 395}),
                new EditExample(new long[] {1, 376, 298, 315}, new long[] {421, 395, 317}, new long[] {426, 338, 401}));
        LocateResult expected = new Locator(wide).locate(examples, LocateSettings.DEFAULT, ProgressListener.NONE);
        LocateResult actual = new Locator(half).locate(examples, LocateSettings.DEFAULT, ProgressListener.NONE);
        for (int layer = 0; layer < expected.layerCount(); layer++) {
            LOG.info("Locate layer {}: gradient score float32 {} float16 {}, layer score float32 {} float16 {}", layer,
                    expected.gradientScore()[layer], actual.gradientScore()[layer], expected.layerScore()[layer],
                    actual.layerScore()[layer]);
            assertEquals(expected.gradientScore()[layer], actual.gradientScore()[layer],
                    2e-2 * expected.gradientScore()[layer], "gradient score of layer " + layer);
        }
        assertEquals(expected.suggested().stream().map(spot -> spot.layer()).toList(),
                actual.suggested().stream().map(spot -> spot.layer()).toList(), "suggested layers");
    }
}
