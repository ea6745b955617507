package org.pkeworkbench.edit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;

/**
 * Plain gradient descent, {@code delta -= learningRate * mask * gradient}, for the weight-change
 * probe. Unlike Adam, whose first update is {@code learningRate * sign(gradient)} for every
 * element, the distance moved stays proportional to the gradient, so it can rank neurons.
 */
final class MaskedGradientDescent implements SliceOptimizer {

    private final NDManager root;
    private final float learningRate;

    MaskedGradientDescent(NDManager parent, double learningRate) {
        this.root = parent.newSubManager();
        this.learningRate = (float) learningRate;
    }

    @Override
    public void step(TrainableWeights weights, double maxChange) {
        for (Map.Entry<String, NDArray> entry : weights.trainable().entrySet()) {
            NDArray delta = entry.getValue();
            NDArray gradient = delta.getGradient();
            NDArray mask = weights.gradientMask(entry.getKey());
            try (NDManager scratch = root.newSubManager()) {
                NDArray masked = SliceUpdates.masked(gradient, mask, scratch);
                delta.subi(masked.mul(learningRate));
                SliceUpdates.clip(delta, maxChange, scratch);
            }
            gradient.subi(gradient);
        }
    }

    @Override
    public void close() {
        root.close();
    }
}
