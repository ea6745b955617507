package org.pkeworkbench.edit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.DecoderModel;

/**
 * The trainable state of an edit: FP32 arrays with gradient, how they enter the forward pass, and
 * the full-shape weight change they stand for. The model's own weights are never modified.
 * {@link TrainableSlices} is the implementation that {@link MaskedEditor} uses.
 */
interface TrainableWeights {

    /** The arrays that train, by parameter name, each with gradient recording on. */
    Map<String, NDArray> trainable();

    /**
     * Returns the 0/1 mask that multiplies the gradient of {@code trainable().get(name)} before an
     * update, or null when every element trains.
     */
    NDArray gradientMask(String name);

    /**
     * Returns what a step's forward passes use for every trained matrix, {@code W + change}, as a
     * whole matrix or as a slice change. Arrays made here are attached to {@code scope} and keep
     * their autograd history.
     */
    EditedWeights forStep(NDManager scope);

    /** Returns the sum of the squared changes, a scalar with gradient, attached to {@code scope}. */
    NDArray squaredNorm(NDManager scope);

    /**
     * Returns the full-shape change {@code dW} of every trained matrix, FP32 and zero outside the
     * trained elements, without autograd history and attached to {@code scope}.
     */
        Map<String, NDArray> changes(NDManager scope);

    /**
     * Returns the edit's result, owned by a new sub-manager of {@code parent}. Arrays made on the
     * way go to {@code scratch}. By default the result keeps the full-shape {@link #changes}.
     */
    default WeightDelta toDelta(NDManager parent, NDManager scratch, List<HotSpot> hotSpots) {
        return new WeightDelta(parent, changes(scratch), hotSpots);
    }

    /** Creates the trainable state of an edit; its arrays live under {@code manager}. */
    @FunctionalInterface
    interface Factory {
        TrainableWeights create(DecoderModel model, NDManager manager, List<HotSpot> hotSpots, EditSettings settings);
    }
}
