package org.pkeworkbench.model;

/**
 * Where the weights of one layer's MLP neurons live. Neuron {@code j} owns slice {@code j} along
 * {@code downNeuronAxis} of the down projection, and slice {@code j} along {@code inNeuronAxis} of
 * the input projections.
 *
 * <p>Llama: {@code down_proj.weight} is {@code [hidden, intermediate]} (axis 1), {@code gate_proj}
 * and {@code up_proj} are {@code [intermediate, hidden]} (axis 0). GPT-2 stores Conv1D weights as
 * {@code [in, out]}: {@code c_proj.weight} is {@code [intermediate, hidden]} (axis 0) and
 * {@code c_fc.weight} is {@code [hidden, intermediate]} (axis 1).
 *
 * @param down the down projection's weight name
 * @param downNeuronAxis the axis of {@code down} indexed by neuron
 * @param gate the gate projection's weight name, or null (GPT-2 has none)
 * @param up the up projection's weight name ({@code c_fc} for GPT-2)
 * @param inNeuronAxis the axis of {@code gate} and {@code up} indexed by neuron
 */
public record MlpLayout(String down, int downNeuronAxis, String gate, String up, int inNeuronAxis) {}
