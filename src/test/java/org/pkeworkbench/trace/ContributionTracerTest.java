package org.pkeworkbench.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.testing.SharedFiles;

/** Checks normalisation, top-k lists and threshold filtering of traced contribution graphs. */
class ContributionTracerTest {

    private static final long[] TOKENS = {1, 17, 42, 99, 7, 250};
    private static final int TOP_K = 3;

    static Stream<Path> models() {
        return Stream.of(SharedFiles.fixture("tiny-llama3"), SharedFiles.fixture("tiny-llama3-bf16-sharded"),
                SharedFiles.fixture("tiny-qwen2"), SharedFiles.fixture("tiny-mistral"), SharedFiles.fixture("tiny-gpt2"),
                SharedFiles.stories260K());
    }

    @ParameterizedTest
    @MethodSource("models")
    void weightsIntoEachNodeSumToOne(Path modelDir) throws IOException {
        try (DecoderModel model = DecoderModel.load(modelDir, Device.cpu())) {
            ContributionGraph graph = new ContributionTracer(model, TOP_K).trace(TOKENS, ProgressListener.NONE);

            assertEquals(model.config().numLayers(), graph.numLayers());
            for (int layer = 0; layer < graph.numLayers(); layer++) {
                LayerContributions contributions = graph.layer(layer);
                for (int t = 0; t < TOKENS.length; t++) {
                    String node = modelDir.getFileName() + " layer " + layer + " position " + t;
                    double[] sources = contributions.sourceWeights()[t];
                    assertEquals(t + 1, sources.length, node + ": one weight per source s <= t");

                    double attention = contributions.attentionResidualWeights()[t];
                    for (double weight : sources) {
                        assertTrue(weight >= 0, node + ": negative source weight " + weight);
                        assertTrue(weight <= 1, node + ": source weight above 1: " + weight);
                        attention += weight;
                    }
                    assertSumIsOneOrZero(attention, node + " attention node");
                    assertSumIsOneOrZero(contributions.mlpWeights()[t] + contributions.mlpResidualWeights()[t],
                            node + " MLP node");

                    List<HeadContribution> heads = contributions.topHeads().get(t);
                    assertEquals(Math.min(TOP_K, model.config().numHeads()), heads.size(), node + ": head count");
                    assertSortedDescending(heads.stream().mapToDouble(HeadContribution::weight).toArray(), node);
                    assertTrue(heads.stream().mapToDouble(HeadContribution::weight).sum() <= 1 + 1e-9, node);

                    List<NeuronContribution> neurons = contributions.topNeurons().get(t);
                    assertEquals(TOP_K, neurons.size(), node + ": neuron count");
                    assertSortedDescending(neurons.stream().mapToDouble(NeuronContribution::score).toArray(), node);
                    for (NeuronContribution neuron : neurons) {
                        assertTrue(neuron.share() >= 0, node + ": negative neuron share");
                        assertTrue(neuron.share() <= 1, node + ": neuron share above 1");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void thresholdFiltersEdges(Path modelDir) throws IOException {
        try (DecoderModel model = DecoderModel.load(modelDir, Device.cpu())) {
            ContributionGraph graph = new ContributionTracer(model, TOP_K).trace(TOKENS, ProgressListener.NONE);
            int seq = TOKENS.length;
            int perLayer = seq * (seq + 1) / 2 + 3 * seq;

            List<ContributionGraph.Edge> all = graph.edges(0);
            assertEquals(graph.numLayers() * perLayer, all.size(), "threshold 0 keeps every edge");
            assertTrue(graph.edges(1.01).isEmpty(), "threshold 1.01 keeps no edge");

            List<ContributionGraph.Edge> strong = graph.edges(0.04);
            long expected = all.stream().filter(edge -> edge.weight() >= 0.04).count();
            assertEquals(expected, strong.size(), "threshold 0.04 keeps the edges of weight >= 0.04");
            assertTrue(strong.stream().allMatch(edge -> edge.weight() >= 0.04), "no weaker edge is kept");
        }
    }

    @Test
    void edgesConnectNodesOfOneLayer() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture("tiny-llama3"), Device.cpu())) {
            ContributionGraph graph = new ContributionTracer(model, TOP_K).trace(TOKENS, ProgressListener.NONE);

            for (ContributionGraph.Edge edge : graph.edges(0)) {
                assertEquals(edge.from().layer(), edge.to().layer(), edge.toString());
                assertTrue(edge.from().position() <= edge.to().position(), "causal: " + edge);
                switch (edge.kind()) {
                    case ATTENTION, ATTENTION_RESIDUAL -> {
                        assertEquals(ContributionGraph.NodeKind.RESID_PRE, edge.from().kind(), edge.toString());
                        assertEquals(ContributionGraph.NodeKind.RESID_MID, edge.to().kind(), edge.toString());
                    }
                    case MLP, MLP_RESIDUAL -> {
                        assertEquals(ContributionGraph.NodeKind.RESID_MID, edge.from().kind(), edge.toString());
                        assertEquals(ContributionGraph.NodeKind.RESID_POST, edge.to().kind(), edge.toString());
                        assertEquals(edge.from().position(), edge.to().position(), edge.toString());
                    }
                    default -> throw new AssertionError(edge.kind());
                }
            }
        }
    }

    @Test
    void chunkedTraceMatchesWholeTrace() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture("tiny-llama3"), Device.cpu())) {
            ContributionGraph whole = new ContributionTracer(model, TOP_K).trace(TOKENS, ProgressListener.NONE);
            // A cap of one float forces one target per chunk.
            ContributionGraph chunked = new ContributionTracer(model, TOP_K, 1).trace(TOKENS, ProgressListener.NONE);

            List<ContributionGraph.Edge> expected = whole.edges(0);
            List<ContributionGraph.Edge> actual = chunked.edges(0);
            assertEquals(expected.size(), actual.size());
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i).from(), actual.get(i).from(), "edge " + i);
                assertEquals(expected.get(i).to(), actual.get(i).to(), "edge " + i);
                assertEquals(expected.get(i).weight(), actual.get(i).weight(), 1e-6, "edge " + i);
            }
        }
    }

    @Test
    void cancelledTraceStops() throws IOException {
        ProgressListener cancelled = new ProgressListener() {
            @Override
            public void update(double fraction, String message) {}

            @Override
            public boolean isCancelled() {
                return true;
            }
        };
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture("tiny-gpt2"), Device.cpu())) {
            ContributionTracer tracer = new ContributionTracer(model, TOP_K);
            assertThrows(CancellationException.class, () -> tracer.trace(TOKENS, cancelled));
            assertThrows(IllegalArgumentException.class, () -> tracer.trace(new long[0], ProgressListener.NONE));
        }
    }

    private static void assertSumIsOneOrZero(double sum, String node) {
        assertTrue(Math.abs(sum - 1) < 1e-9 || sum == 0, node + ": weights sum to " + sum);
    }

    private static void assertSortedDescending(double[] values, String node) {
        for (int i = 1; i < values.length; i++) {
            assertTrue(values[i - 1] >= values[i], node + ": not sorted at " + i);
        }
    }
}
