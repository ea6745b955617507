package org.pkeworkbench.model;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * A change to some neurons' slices of one MLP weight matrix, which a forward pass adds to the
 * matrix product's output instead of building the changed matrix. The pass computes what it would
 * compute with {@code W'}, where {@code W'} is {@code W} with slice {@code neurons[i]} along
 * {@code axis} increased by slice {@code i} of {@code delta}.
 *
 * <p>Where the neuron axis is the product's input axis (a down projection), the pass adds
 * {@code x[..., neurons]} times the delta. Where it is the output axis (gate and up projections),
 * it adds {@code x} times the delta to the outputs {@code neurons}. The extra work is that of a
 * matrix with {@code k} neurons, and only {@code delta} gets a gradient: the backward pass computes
 * no gradient of the whole matrix, and no copy of it is made.
 *
 * <p>Example, two neurons of a Llama {@code down_proj} ({@code [hidden, intermediate]}, neurons on
 * axis 1): {@code new SliceChange(1, manager.create(new long[] {7, 40}), delta)} with
 * {@code delta} of shape {@code [hidden, 2]}.
 *
 * @param axis the axis of the stored weight that {@code neurons} index (see {@link MlpLayout})
 * @param neurons INT64 {@code [k]}, distinct neuron indices
 * @param delta the change of the slices: the stored weight's shape with {@code k} along
 *     {@code axis}, any float type, with or without gradient
 */
public record SliceChange(int axis, NDArray neurons, NDArray delta) {

    public SliceChange {
        Objects.requireNonNull(neurons, "neurons");
        Objects.requireNonNull(delta, "delta");
        if (axis != 0 && axis != 1) {
            throw new IllegalArgumentException("A slice change needs axis 0 or 1 of a matrix, got " + axis);
        }
        if (neurons.getShape().dimension() != 1 || delta.getShape().dimension() != 2
                || delta.getShape().get(axis) != neurons.getShape().get(0)) {
            throw new IllegalArgumentException("A slice change needs neurons [k] and a delta with k along axis "
                    + axis + ", got neurons " + neurons.getShape() + " and delta " + delta.getShape());
        }
    }
}
