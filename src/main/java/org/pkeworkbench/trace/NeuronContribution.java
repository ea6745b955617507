package org.pkeworkbench.trace;

/**
 * One MLP neuron's contribution to an MLP node: {@code |activation| * |W_down[:, neuron]|_1}, the
 * L1 norm of the vector the neuron writes into the residual stream.
 *
 * @param neuron the neuron index (column of the down projection)
 * @param activation the neuron's activation, the input of the down projection
 * @param score {@code |activation| * |W_down[:, neuron]|_1}
 * @param share {@code score} divided by the sum of all neurons' scores at that node, in [0, 1]
 */
public record NeuronContribution(int neuron, double activation, double score, double share) {}
