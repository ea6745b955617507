package org.pkeworkbench.trace;

/**
 * One number per MLP neuron for each of a model's MLP matrices, every table {@code [layers][intermediate]}.
 * Neuron {@code j} of layer {@code l} owns column {@code j} of Llama's {@code down_proj} (row {@code j}
 * of GPT-2's {@code c_proj}) and row {@code j} of {@code gate_proj} and {@code up_proj} (column
 * {@code j} of GPT-2's {@code c_fc}).
 *
 * @param down per neuron, a value of its slice of the down projection
 * @param gate per neuron, a value of its slice of the gate projection, or null when the model has
 *     no gate (GPT-2)
 * @param up per neuron, a value of its slice of the up projection ({@code c_fc} for GPT-2)
 */
public record NeuronWeightTables(float[][] down, float[][] gate, float[][] up) {

    public boolean hasGate() {
        return gate != null;
    }

    public int layerCount() {
        return down.length;
    }
}
