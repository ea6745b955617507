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
    public void step(TrainableSlices slices, double maxChange) {
        try (NDManager scratch = root.newSubManager()) {
            for (Map.Entry<String, NDArray> entry : slices.deltas().entrySet()) {
                NDArray delta = entry.getValue();
                NDArray gradient = delta.getGradient();
                NDArray update = gradient.mul(slices.mask(entry.getKey())).mul(learningRate);
                update.attach(scratch);
                delta.subi(update);
                if (maxChange > 0) {
                    NDArray excess = delta.sub(delta.clip(-maxChange, maxChange));
                    excess.attach(scratch);
                    delta.subi(excess);
                }
                gradient.subi(gradient);
            }
        }
    }

    @Override
    public void close() {
        root.close();
    }
}
