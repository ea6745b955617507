package org.pkeworkbench.locate;

import java.util.List;

/**
 * A located region of the weights: MLP neurons of one decoder layer. Neuron {@code j} of layer
 * {@code l} owns column {@code j} of {@code down_proj} (row {@code j} of GPT-2's {@code c_proj})
 * and row {@code j} of {@code gate_proj} and {@code up_proj}.
 *
 * @param layer zero-based decoder layer index
 * @param neurons zero-based MLP neuron indices, ascending, none repeated
 */
public record HotSpot(int layer, List<Integer> neurons) {

    public HotSpot {
        if (layer < 0) {
            throw new IllegalArgumentException("Layer index must be >= 0, got " + layer);
        }
        neurons = List.copyOf(neurons.stream().distinct().sorted().toList());
    }
}
