package org.pkeworkbench.trace;

import java.util.ArrayList;
import java.util.List;

/**
 * Information-flow graph of one sequence (Ferrando and Voita, 2024, "Information Flow Routes"):
 * the contribution of a part {@code x_i} to a sum {@code y} is {@code max(0, |y|_1 - |y - x_i|_1)},
 * normalised so the contributions into one node sum to 1.
 *
 * <p>Nodes are residual-stream states per layer and position. {@code resid_post} of layer L is the
 * same vector as {@code resid_pre} of layer L + 1; the graph keeps both names so that each edge stays
 * inside one layer. Built by {@link ContributionTracer}.
 */
public final class ContributionGraph {

    /** The residual-stream state of a node. */
    public enum NodeKind { RESID_PRE, RESID_MID, RESID_POST }

    /** The path of an edge: attention, the MLP or a skip connection. */
    public enum EdgeKind {
        /** From {@code resid_pre[L][s]} to {@code resid_mid[L][t]} through all heads' attention. */
        ATTENTION,
        /** From {@code resid_pre[L][t]} to {@code resid_mid[L][t]}, the skip connection around attention. */
        ATTENTION_RESIDUAL,
        /** From {@code resid_mid[L][t]} to {@code resid_post[L][t]} through the MLP. */
        MLP,
        /** From {@code resid_mid[L][t]} to {@code resid_post[L][t]}, the skip connection around the MLP. */
        MLP_RESIDUAL
    }

    /** A residual-stream state at {@code position} in {@code layer}. */
    public record Node(int layer, int position, NodeKind kind) {}

    /** A weighted edge. Its {@code weight} is the normalised contribution of {@code from} to {@code to}, in [0, 1]. */
    public record Edge(Node from, Node to, EdgeKind kind, double weight) {}

    private final long[] tokenIds;
    private final List<LayerContributions> layers;

    public ContributionGraph(long[] tokenIds, List<LayerContributions> layers) {
        this.tokenIds = tokenIds.clone();
        this.layers = List.copyOf(layers);
    }

    public long[] tokenIds() {
        return tokenIds.clone();
    }

    public int numLayers() {
        return layers.size();
    }

    public int sequenceLength() {
        return tokenIds.length;
    }

    public LayerContributions layer(int layer) {
        return layers.get(layer);
    }

    /** Returns every edge whose weight is at least {@code threshold}, layer by layer, position by position. */
    public List<Edge> edges(double threshold) {
        List<Edge> out = new ArrayList<>();
        for (int layer = 0; layer < layers.size(); layer++) {
            LayerContributions contributions = layers.get(layer);
            for (int t = 0; t < contributions.sequenceLength(); t++) {
                Node mid = new Node(layer, t, NodeKind.RESID_MID);
                Node post = new Node(layer, t, NodeKind.RESID_POST);

                double[] sources = contributions.sourceWeights()[t];
                for (int s = 0; s < sources.length; s++) {
                    add(out, threshold, new Edge(new Node(layer, s, NodeKind.RESID_PRE), mid, EdgeKind.ATTENTION,
                            sources[s]));
                }
                add(out, threshold, new Edge(new Node(layer, t, NodeKind.RESID_PRE), mid,
                        EdgeKind.ATTENTION_RESIDUAL, contributions.attentionResidualWeights()[t]));
                add(out, threshold, new Edge(mid, post, EdgeKind.MLP, contributions.mlpWeights()[t]));
                add(out, threshold, new Edge(mid, post, EdgeKind.MLP_RESIDUAL, contributions.mlpResidualWeights()[t]));
            }
        }
        return out;
    }

    private static void add(List<Edge> out, double threshold, Edge edge) {
        if (edge.weight() >= threshold) {
            out.add(edge);
        }
    }
}
