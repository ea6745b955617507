package org.pkeworkbench.trace;

import java.util.List;

/**
 * Normalised contributions into the nodes of one layer, for positions {@code t} of one sequence.
 * Into {@code resid_mid[t]}, the source weights ({@code s <= t}) and the residual weight sum to 1.
 * Into {@code resid_post[t]}, the MLP weight and the residual weight sum to 1. A node whose parts
 * all have zero contribution has all weights 0.
 *
 * @param sourceWeights {@code [seq][t + 1]}: weight of source token {@code s} into {@code resid_mid[t]}
 * @param attentionResidualWeights {@code [seq]}: weight of {@code resid_pre[t]} into {@code resid_mid[t]}
 * @param mlpWeights {@code [seq]}: weight of {@code mlp_out[t]} into {@code resid_post[t]}
 * @param mlpResidualWeights {@code [seq]}: weight of {@code resid_mid[t]} into {@code resid_post[t]}
 * @param topHeads per position, the heads with the largest weight, largest first
 * @param topNeurons per position, the MLP neurons with the largest score, largest first
 */
public record LayerContributions(
        double[][] sourceWeights,
        double[] attentionResidualWeights,
        double[] mlpWeights,
        double[] mlpResidualWeights,
        List<List<HeadContribution>> topHeads,
        List<List<NeuronContribution>> topNeurons) {

    public int sequenceLength() {
        return attentionResidualWeights.length;
    }
}
