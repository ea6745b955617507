package org.pkeworkbench.edit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.Tensors;
import org.pkeworkbench.model.MlpLayout;
import org.pkeworkbench.model.SliceChange;

/**
 * The weights an edit may change, sized by the hot spots: for each trained matrix, an FP32 delta
 * that holds only the {@code k} hot-spot neurons' slices and requires gradient. For a Llama
 * {@code down_proj} ({@code [hidden, intermediate]}, neurons on axis 1) the delta is
 * {@code [hidden, k]}; for {@code gate_proj}/{@code up_proj} ({@code [intermediate, hidden]}) it is
 * {@code [k, hidden]}. GPT-2's transposed Conv1D weights use the axes from {@link MlpLayout}.
 *
 * <p>Forward passes get each delta as a {@link SliceChange}: the model adds the slices' share of
 * the product to the stored matrix's output, so no step copies a whole matrix, and the backward
 * pass computes gradients of the small delta only, so the optimizer state has its shape. The model's
 * own weights are never modified. A hot spot that covers every neuron of the axis (DINM, FT-L)
 * trains the whole matrix, and its passes use {@code W + delta} as an override.
 *
 * <p>Hot spots of the same layer are merged: their neurons train together.
 */
final class TrainableSlices implements TrainableWeights {

    private final DecoderModel model;
    private final Map<String, Slice> slices = new LinkedHashMap<>();
    private final Map<String, NDArray> deltas = new LinkedHashMap<>();

    /**
     * The trained part of one matrix.
     *
     * @param axis the matrix's neuron axis
     * @param neurons INT64 neuron indices {@code [k]}, or null when every neuron trains
     * @param indices the same indices in Java, ascending, or null when every neuron trains
     * @param fullShape the shape of the whole matrix
     */
    private record Slice(int axis, NDArray neurons, long[] indices, Shape fullShape) {}

    TrainableSlices(DecoderModel model, NDManager manager, List<HotSpot> hotSpots, EditSettings settings) {
        this.model = model;
        for (Map.Entry<Integer, List<Integer>> layer : neuronsByLayer(hotSpots).entrySet()) {
            MlpLayout layout = model.mlpLayout(layer.getKey());
            trainedWeights(layout, settings.matrices())
                    .forEach((name, axis) -> addSlice(manager, name, axis, layer.getValue()));
        }
        if (deltas.isEmpty()) {
            throw new IllegalArgumentException("No weights to train: the hot spots select no matrix of this model");
        }
    }

    /**
     * Returns the weights of one layer that {@code matrices} select, by name, with the axis their
     * neurons index. A gate projection is skipped when the model has none (GPT-2).
     */
    static Map<String, Integer> trainedWeights(MlpLayout layout, Collection<EditSettings.TrainedMatrix> matrices) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (EditSettings.TrainedMatrix matrix : matrices) {
            switch (matrix) {
                case DOWN -> out.put(layout.down(), layout.downNeuronAxis());
                case GATE -> {
                    if (layout.gate() != null) {
                        out.put(layout.gate(), layout.inNeuronAxis());
                    }
                }
                default -> out.put(layout.up(), layout.inNeuronAxis());
            }
        }
        return out;
    }

    /** Returns each hot-spot layer's neurons, in the order the layers first appear, merged when a layer repeats. */
    private Map<Integer, List<Integer>> neuronsByLayer(List<HotSpot> hotSpots) {
        Map<Integer, TreeSet<Integer>> merged = new LinkedHashMap<>();
        for (HotSpot spot : hotSpots) {
            if (spot.layer() >= model.config().numLayers()) {
                throw new IllegalArgumentException("Hot spot layer " + spot.layer() + " does not exist; the model has "
                        + model.config().numLayers() + " layers");
            }
            merged.computeIfAbsent(spot.layer(), layer -> new TreeSet<>()).addAll(spot.neurons());
        }
        Map<Integer, List<Integer>> out = new LinkedHashMap<>();
        merged.forEach((layer, neurons) -> out.put(layer, List.copyOf(neurons)));
        return out;
    }

    private void addSlice(NDManager manager, String name, int axis, List<Integer> neurons) {
        Shape fullShape = model.parameter(name).getShape();
        long size = fullShape.get(axis);
        long[] indices = new long[neurons.size()];
        for (int i = 0; i < indices.length; i++) {
            int neuron = neurons.get(i);
            if (neuron < 0 || neuron >= size) {
                throw new IllegalArgumentException("Neuron " + neuron + " is out of range; the layer has " + size
                        + " neurons");
            }
            indices[i] = neuron;
        }

        // The neurons are distinct and sorted, so k == size means every neuron, in order.
        boolean wholeAxis = indices.length == size;
        NDArray neuronIndex = wholeAxis ? null : manager.create(indices);
        Shape deltaShape = axis == 0 ? new Shape(indices.length, fullShape.get(1))
                : new Shape(fullShape.get(0), indices.length);
        NDArray delta = manager.zeros(deltaShape, DataType.FLOAT32);
        delta.setRequiresGradient(true);
        slices.put(name, new Slice(axis, neuronIndex, wholeAxis ? null : indices, fullShape));
        deltas.put(name, delta);
    }

    /** Returns the FP32 deltas by parameter name, {@code [rows, k]} or {@code [k, cols]}, each with gradient. */
    @Override
    public Map<String, NDArray> trainable() {
        return Collections.unmodifiableMap(deltas);
    }

    /** Returns null: the deltas hold only trained elements. */
    @Override
    public NDArray gradientMask(String name) {
        return null;
    }

    @Override
    public EditedWeights forStep(NDManager scope) {
        Map<String, NDArray> overrides = new LinkedHashMap<>();
        Map<String, SliceChange> changes = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> entry : deltas.entrySet()) {
            String name = entry.getKey();
            Slice slice = slices.get(name);
            if (slice.neurons() == null) {
                overrides.put(name, addInWeightType(scope, model.parameter(name), entry.getValue()));
            } else {
                changes.put(name, new SliceChange(slice.axis(), slice.neurons(), entry.getValue()));
            }
        }
        return new EditedWeights(overrides, changes);
    }

    /**
     * Returns {@code weight + delta} in {@code weight}'s data type: an FP32 weight gets the sum
     * directly, any other type gets the FP32 sum cast back (one rounding).
     */
    private static NDArray addInWeightType(NDManager scope, NDArray weight, NDArray delta) {
        DataType type = weight.getDataType();
        if (type == DataType.FLOAT32) {
            NDArray sum = delta.add(weight);
            sum.attach(scope);
            return sum;
        }
        NDArray wide = weight.toType(DataType.FLOAT32, false);
        wide.attach(scope);
        NDArray sum = wide.add(delta);
        sum.attach(scope);
        // NDArray.toType would cut the gradient path to delta; Tensors.cast keeps it.
        NDArray narrowed = Tensors.cast(sum, type);
        narrowed.attach(scope);
        return narrowed;
    }

    @Override
    public NDArray squaredNorm(NDManager scope) {
        NDArray total = scope.zeros(new Shape());
        for (NDArray delta : deltas.values()) {
            NDArray squares = delta.square();
            squares.attach(scope);
            total = total.add(squares.sum());
        }
        return total;
    }

    /** Returns a delta that keeps only the hot-spot slices' changes, {@code [rows, k]} or {@code [k, columns]}. */
    @Override
    public WeightDelta toDelta(NDManager parent, NDManager scratch, List<HotSpot> hotSpots) {
        Map<String, WeightDelta.Part> parts = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> entry : deltas.entrySet()) {
            Slice slice = slices.get(entry.getKey());
            NDArray detached = entry.getValue().stopGradient();
            detached.attach(scratch);
            NDArray values = detached.duplicate();
            parts.put(entry.getKey(), new WeightDelta.Part(slice.axis(), slice.indices(), values, slice.fullShape()));
        }
        return WeightDelta.ofParts(parent, parts, hotSpots);
    }

    @Override
    public Map<String, NDArray> changes(NDManager scope) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> entry : deltas.entrySet()) {
            Slice slice = slices.get(entry.getKey());
            NDArray values = entry.getValue().stopGradient();
            values.attach(scope);
            WeightDelta.Part part = new WeightDelta.Part(slice.axis(), slice.indices(), values, slice.fullShape());
            out.put(entry.getKey(), WeightDelta.fullChange(part, scope));
        }
        return out;
    }
}
