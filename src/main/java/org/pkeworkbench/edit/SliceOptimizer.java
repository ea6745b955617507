package org.pkeworkbench.edit;

import ai.djl.ndarray.NDManager;

/** An update rule for {@link TrainableWeights}, called once per step outside a gradient collector. */
interface SliceOptimizer extends AutoCloseable {

    /** Updates every trainable array in place from its (masked) gradient, then zeroes the gradient. */
    void step(TrainableWeights weights, double maxChange);

    @Override
    void close();

    /** Creates an optimizer whose state lives under {@code parent}. */
    @FunctionalInterface
    interface Factory {
        SliceOptimizer create(NDManager parent, double learningRate);
    }
}
