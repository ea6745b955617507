package org.pkeworkbench.edit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Adam (Kingma and Ba, 2015) whose gradients may be multiplied by a 0/1 mask before the moments
 * are updated, so masked elements never move. The moments have the shape of the trainable arrays,
 * so for {@link TrainableSlices} they are sized by the hot-spot slices. Call {@link #step} outside
 * a gradient collector.
 */
final class MaskedAdam implements SliceOptimizer {

    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;

    private final NDManager root;
    private final double learningRate;
    private final Map<String, NDArray> firstMoments = new HashMap<>();
    private final Map<String, NDArray> secondMoments = new HashMap<>();
    /** Owner of the current moments; the previous step's manager is closed after each step. */
    private NDManager stepManager;
    private int step;

    MaskedAdam(NDManager parent, double learningRate) {
        this.root = parent.newSubManager();
        this.learningRate = learningRate;
    }

    @Override
    public void step(TrainableWeights weights, double maxChange) {
        step(weights.trainable(), weights::gradientMask, maxChange);
    }

    /**
     * Updates every trainable array in place from its gradient, multiplied by {@code masks.apply(name)}
     * unless that is null, then zeroes the gradient. With {@code maxChange > 0}, every element is
     * then clipped to {@code [-maxChange, maxChange]}.
     */
    void step(Map<String, NDArray> trainable, Function<String, NDArray> masks, double maxChange) {
        step++;
        NDManager previous = stepManager;
        stepManager = root.newSubManager();
        float correction1 = (float) (1 - Math.pow(BETA1, step));
        float correction2 = (float) (1 - Math.pow(BETA2, step));
        for (Map.Entry<String, NDArray> entry : trainable.entrySet()) {
            String name = entry.getKey();
            NDArray delta = entry.getValue();
            NDArray gradient = delta.getGradient();
            NDArray mask = masks.apply(name);
            // Results of an operation belong to its receiver's manager, so each chain starts from
            // an array of the scratch manager, and closing it frees this array's temporaries.
            try (NDManager scratch = root.newSubManager()) {
                NDArray masked = SliceUpdates.masked(gradient, mask, scratch);

                NDArray m = firstMoments.get(name);
                NDArray v = secondMoments.get(name);
                NDArray newM = masked.mul(1 - BETA1);
                NDArray newV = masked.square().mul(1 - BETA2);
                if (m != null) {
                    newM = newM.add(m.mul(BETA1));
                    newV = newV.add(v.mul(BETA2));
                }
                newM.attach(stepManager);
                newV.attach(stepManager);
                firstMoments.put(name, newM);
                secondMoments.put(name, newV);

                NDArray denominator = newV.div(correction2);
                denominator.attach(scratch);
                NDArray firstCorrected = newM.div(correction1);
                firstCorrected.attach(scratch);
                NDArray update = firstCorrected.div(denominator.sqrt().add(EPSILON)).mul((float) learningRate);
                delta.subi(update);
                SliceUpdates.clip(delta, maxChange, scratch);
            }
            gradient.subi(gradient);
        }
        if (previous != null) {
            previous.close();
        }
    }

    @Override
    public void close() {
        root.close();
    }
}
