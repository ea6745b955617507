package org.pkeworkbench.trace;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.ForwardResult;
import org.pkeworkbench.model.HookPoints;
import org.pkeworkbench.model.MlpLayout;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.Tensors;
import org.pkeworkbench.model.tokenizer.TextTokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link ContributionGraph} of one token sequence with a single forward pass.
 *
 * <p>Attention node {@code resid_mid[L][t]}: parts are {@code resid_pre[L][t]} and, per source
 * {@code s <= t}, the attention output from {@code s} summed over heads. Head weights come from a
 * second split of the same node into {@code resid_pre[L][t]} and one part per head. The output
 * projection's bias (GPT-2) is in the whole but is no part, as in the published method.
 * MLP node {@code resid_post[L][t]}: parts are {@code resid_mid[L][t]} and {@code mlp_out[L][t]}.
 *
 * <p>Each kept head and neuron also gets the tokens its output vector promotes ({@link PromotedTokens}):
 * a head's output at the node, and a neuron's {@code activation * W_down[:, j]}.
 */
public final class ContributionTracer {

    private static final Logger LOG = LoggerFactory.getLogger(ContributionTracer.class);

    /** Default cap on the per-source attention parts held at once, in floats (32 Mi floats, 128 MiB). */
    static final long DEFAULT_CHUNK_FLOATS = 32L << 20;

    private final DecoderModel model;
    private final int topK;
    private final long chunkFloats;
    private final PromotedTokens promoted;

    /** @param topK how many heads and neurons to keep per node; promoted tokens are given as ids */
    public ContributionTracer(DecoderModel model, int topK) {
        this(model, topK, null);
    }

    /**
     * @param topK how many heads and neurons to keep per node
     * @param tokenizer decodes the promoted tokens; when null they are given as ids
     */
    public ContributionTracer(DecoderModel model, int topK, TextTokenizer tokenizer) {
        this(model, topK, DEFAULT_CHUNK_FLOATS, tokenizer);
    }

    ContributionTracer(DecoderModel model, int topK, long chunkFloats) {
        this(model, topK, chunkFloats, null);
    }

    /**
     * @param chunkFloats cap on the per-source parts {@code [keySeq, targets, hidden]} computed at
     *     once; at least one target is always computed
     */
    ContributionTracer(DecoderModel model, int topK, long chunkFloats, TextTokenizer tokenizer) {
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be 0 or more, got " + topK);
        }
        this.model = model;
        this.topK = topK;
        this.chunkFloats = chunkFloats;
        this.promoted = new PromotedTokens(model, tokenizer);
    }

    /** Traces {@code tokenIds} (one sequence, no padding). */
    public ContributionGraph trace(long[] tokenIds, ProgressListener progress) {
        Autograd.disableOnThisThread();
        if (tokenIds.length == 0) {
            throw new IllegalArgumentException("The token sequence is empty; give at least one token");
        }
        long started = System.nanoTime();
        int numLayers = model.config().numLayers();
        LOG.info("Contribution trace of {} tokens over {} layers started", tokenIds.length, numLayers);

        List<LayerContributions> layers = new ArrayList<>();
        try (NDManager scope = model.manager().newSubManager()) {
            progress.update(0, "Contributions: forward pass");
            NDArray ids = scope.create(tokenIds).reshape(1, tokenIds.length);
            ForwardResult captured = model.forward(scope, ids, captureOptions(numLayers));

            for (int layer = 0; layer < numLayers; layer++) {
                progress.checkCancelled();
                progress.update((double) layer / numLayers, "Contributions: layer " + (layer + 1) + " of " + numLayers);
                try (NDManager layerScope = scope.newSubManager()) {
                    layers.add(layer(layerScope, captured, layer));
                }
            }
        }
        progress.update(1, "Contributions: done");
        LOG.info("Contribution trace of {} tokens finished in {} ms", tokenIds.length,
                (System.nanoTime() - started) / 1_000_000);
        return new ContributionGraph(tokenIds, layers);
    }

    private static ForwardOptions captureOptions(int numLayers) {
        ForwardOptions options = ForwardOptions.create().withoutLogits();
        for (int layer = 0; layer < numLayers; layer++) {
            options.capture(HookPoints.residPre(layer), HookPoints.attnOut(layer), HookPoints.residMid(layer),
                    HookPoints.mlpAct(layer), HookPoints.mlpOut(layer), HookPoints.residPost(layer),
                    HookPoints.attnPattern(layer), HookPoints.attnV(layer));
        }
        return options;
    }

    private LayerContributions layer(NDManager layerScope, ForwardResult captured, int layer) {
        // Squeezed views belong to layerScope, so every array derived from them is freed after the layer.
        NDArray residPre = sequence(layerScope, captured, HookPoints.residPre(layer));
        NDArray residMid = sequence(layerScope, captured, HookPoints.residMid(layer));
        NDArray mlpOut = sequence(layerScope, captured, HookPoints.mlpOut(layer));
        NDArray residPost = sequence(layerScope, captured, HookPoints.residPost(layer));
        int seq = (int) residPre.getShape().get(0);

        AttentionDecomposition attention = AttentionDecomposition.of(layerScope, model, captured, layer);
        NDArray perHead = attention.perHead();

        double[] midNorms = Contributions.norms(residMid);
        double[] midResidualDistances = Contributions.norms(residMid.sub(residPre));
        double[][] sourceDistances = sourceDistances(layerScope, attention, residMid);
        double[][] headDistances = Contributions.distances(residMid, perHead);
        double[] postNorms = Contributions.norms(residPost);
        double[] postResidualDistances = Contributions.norms(residPost.sub(residMid));
        double[] postMlpDistances = Contributions.norms(residPost.sub(mlpOut));

        double[][] sourceWeights = new double[seq][];
        double[] attentionResidual = new double[seq];
        double[] mlp = new double[seq];
        double[] mlpResidual = new double[seq];
        List<List<HeadContribution>> topHeads = new ArrayList<>();
        for (int t = 0; t < seq; t++) {
            double[] distances = new double[t + 2];
            for (int s = 0; s <= t; s++) {
                distances[s] = sourceDistances[s][t];
            }
            distances[t + 1] = midResidualDistances[t];
            double[] weights = Contributions.normalise(midNorms[t], distances);
            sourceWeights[t] = Arrays.copyOf(weights, t + 1);
            attentionResidual[t] = weights[t + 1];

            double[] post = Contributions.normalise(postNorms[t],
                    new double[] {postMlpDistances[t], postResidualDistances[t]});
            mlp[t] = post[0];
            mlpResidual[t] = post[1];

            topHeads.add(topHeads(midNorms[t], midResidualDistances[t], headDistances, t));
        }
        topHeads = withPromotedTokens(layerScope, perHead, topHeads);
        List<List<NeuronContribution>> topNeurons = withPromotedTokens(layerScope, layer,
                topNeurons(layerScope, captured, layer, seq));
        return new LayerContributions(sourceWeights, attentionResidual, mlp, mlpResidual, topHeads, topNeurons);
    }

    /**
     * L1 distances {@code |resid_mid[t] - part[s, t]|_1} as {@code [keySeq][seq]}, computed for a few
     * targets at a time because all per-source parts together take {@code seq^2 * hidden} floats.
     */
    private double[][] sourceDistances(NDManager layerScope, AttentionDecomposition attention, NDArray residMid) {
        int seq = (int) residMid.getShape().get(0);
        long hidden = residMid.getShape().get(1);
        int chunk = (int) Math.max(1, Math.min(seq, chunkFloats / ((long) seq * hidden)));

        double[][] out = new double[seq][seq];
        for (int from = 0; from < seq; from += chunk) {
            int to = Math.min(seq, from + chunk);
            try (NDManager chunkScope = layerScope.newSubManager()) {
                NDArray targets = residMid.get(new NDIndex("{}:{}", from, to));
                targets.attach(chunkScope);
                NDArray parts = attention.perSource(from, to);
                parts.attach(chunkScope);
                double[][] distances = Contributions.distances(targets, parts);
                for (int s = 0; s < seq; s++) {
                    System.arraycopy(distances[s], 0, out[s], from, to - from);
                }
            }
        }
        return out;
    }

    /** Returns a capture of the single sequence without its batch axis, {@code [seq, ...]}, owned by {@code layerScope}. */
    private static NDArray sequence(NDManager layerScope, ForwardResult captured, String name) {
        NDArray squeezed = captured.capture(name).squeeze(0);
        squeezed.attach(layerScope);
        return squeezed;
    }

    /** Heads of node {@code t}, normalised together with the residual, the largest {@code topK} first. */
    private List<HeadContribution> topHeads(double wholeNorm, double residualDistance, double[][] headDistances,
            int t) {
        int heads = headDistances.length;
        double[] distances = new double[heads + 1];
        for (int h = 0; h < heads; h++) {
            distances[h] = headDistances[h][t];
        }
        distances[heads] = residualDistance;
        double[] weights = Contributions.normalise(wholeNorm, distances);
        return IntStream.range(0, heads)
                .mapToObj(h -> new HeadContribution(h, weights[h]))
                .sorted(Comparator.comparingDouble(HeadContribution::weight).reversed())
                .limit(topK)
                .toList();
    }

    /** Per position, the {@code topK} neurons by {@code |act_j| * |W_down[:, j]|_1}. */
    private List<List<NeuronContribution>> topNeurons(NDManager layerScope, ForwardResult captured, int layer,
            int seq) {
        MlpLayout layout = model.mlpLayout(layer);
        NDArray absoluteDown = model.parameterFloat32(layout.down(), layerScope).abs();
        absoluteDown.attach(layerScope);
        // Sum over the axis that is not the neuron axis: one L1 norm per neuron, [intermediate].
        float[] columnNorms = absoluteDown.sum(new int[] {1 - layout.downNeuronAxis()}).toFloatArray();
        float[] activations = captured.capture(HookPoints.mlpAct(layer)).toFloatArray();
        int neurons = columnNorms.length;

        List<List<NeuronContribution>> out = new ArrayList<>();
        for (int t = 0; t < seq; t++) {
            int offset = t * neurons;
            double total = 0;
            double[] scores = new double[neurons];
            for (int j = 0; j < neurons; j++) {
                scores[j] = Math.abs(activations[offset + j]) * columnNorms[j];
                total += scores[j];
            }
            double sum = total;
            out.add(IntStream.range(0, neurons).boxed()
                    .sorted(Comparator.comparingDouble((Integer j) -> scores[j]).reversed())
                    .limit(topK)
                    .map(j -> new NeuronContribution(j, activations[offset + j], scores[j],
                            sum > 0 ? scores[j] / sum : 0))
                    .toList());
        }
        return out;
    }

    /** Adds to each kept head the tokens its output at the node promotes; {@code perHead} is {@code [heads, seq, hidden]}. */
    private List<List<HeadContribution>> withPromotedTokens(NDManager layerScope, NDArray perHead,
            List<List<HeadContribution>> topHeads) {
        NDList vectors = new NDList();
        for (int t = 0; t < topHeads.size(); t++) {
            for (HeadContribution head : topHeads.get(t)) {
                vectors.add(perHead.get(head.head(), t));
            }
        }
        List<List<String>> tokens = promotedTokens(layerScope, vectors);

        List<List<HeadContribution>> out = new ArrayList<>();
        int row = 0;
        for (List<HeadContribution> heads : topHeads) {
            List<HeadContribution> withTokens = new ArrayList<>();
            for (HeadContribution head : heads) {
                withTokens.add(new HeadContribution(head.head(), head.weight(), tokens.get(row++)));
            }
            out.add(List.copyOf(withTokens));
        }
        return out;
    }

    /** Adds to each kept neuron the tokens {@code activation * W_down[:, j]} promotes. */
    private List<List<NeuronContribution>> withPromotedTokens(NDManager layerScope, int layer,
            List<List<NeuronContribution>> topNeurons) {
        NDList vectors = new NDList();
        for (List<NeuronContribution> neurons : topNeurons) {
            for (NeuronContribution neuron : neurons) {
                vectors.add(neuronOutput(layerScope, model, layer, neuron.neuron(), neuron.activation()));
            }
        }
        List<List<String>> tokens = promotedTokens(layerScope, vectors);

        List<List<NeuronContribution>> out = new ArrayList<>();
        int row = 0;
        for (List<NeuronContribution> neurons : topNeurons) {
            List<NeuronContribution> withTokens = new ArrayList<>();
            for (NeuronContribution n : neurons) {
                withTokens.add(new NeuronContribution(n.neuron(), n.activation(), n.score(), n.share(),
                        tokens.get(row++)));
            }
            out.add(List.copyOf(withTokens));
        }
        return out;
    }

    /** Stacks {@code vectors} ({@code [hidden]} each) and reads them through {@link PromotedTokens}. */
    private List<List<String>> promotedTokens(NDManager layerScope, NDList vectors) {
        if (vectors.isEmpty()) {
            return List.of();
        }
        NDArray stacked = NDArrays.stack(vectors);
        stacked.attach(layerScope);
        vectors.attach(layerScope);
        return promoted.of(layerScope, stacked);
    }

    /**
     * What neuron {@code neuron} of {@code layer} writes into the residual stream:
     * {@code activation * W_down[:, neuron]}, {@code [hidden]}, owned by {@code scope}.
     */
    static NDArray neuronOutput(NDManager scope, DecoderModel model, int layer, int neuron, double activation) {
        MlpLayout layout = model.mlpLayout(layer);
        NDArray down = model.parameterFloat32(layout.down(), scope);
        NDArray column = layout.downNeuronAxis() == 1 ? down.get(new NDIndex(":, {}", neuron)) : down.get(neuron);
        column.attach(scope);
        NDArray scaled = Tensors.scale(column, activation);
        scaled.attach(scope);
        return scaled;
    }
}
