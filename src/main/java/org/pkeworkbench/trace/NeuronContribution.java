package org.pkeworkbench.trace;

import java.util.List;

/**
 * One MLP neuron's contribution to an MLP node: {@code |activation| * |W_down[:, neuron]|_1}, the
 * L1 norm of the vector the neuron writes into the residual stream.
 *
 * @param neuron the neuron index (column of the down projection)
 * @param activation the neuron's activation, the input of the down projection
 * @param score {@code |activation| * |W_down[:, neuron]|_1}
 * @param share {@code score} divided by the sum of all neurons' scores at that node, in [0, 1]
 * @param promotedTokens the tokens with the highest logits when {@code activation * W_down[:, neuron]}
 *     alone is read through the final norm and unembedding, highest first; decoded text when the
 *     tracer had a tokenizer, else token ids; empty when not computed
 */
public record NeuronContribution(int neuron, double activation, double score, double share,
        List<String> promotedTokens) {

    public NeuronContribution {
        promotedTokens = List.copyOf(promotedTokens);
    }

    /** A neuron without promoted tokens. */
    public NeuronContribution(int neuron, double activation, double score, double share) {
        this(neuron, activation, score, share, List.of());
    }
}
