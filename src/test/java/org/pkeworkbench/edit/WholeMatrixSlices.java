package org.pkeworkbench.edit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.MlpLayout;

/**
 * Reference for {@link TrainableSlices}: the whole-matrix state that the edit used before the
 * deltas were sized by the slices. For each trained matrix, a zero-initialised delta of the whole
 * matrix that requires gradient and a 0/1 mask that selects the hot-spot neurons' slices; each
 * forward pass uses {@code W + mask * delta}, and the optimizer masks the gradient. Only tests use
 * it, to check that the slice-sized state computes the same edit.
 */
final class WholeMatrixSlices implements TrainableWeights {

    private final Map<String, NDArray> deltas = new LinkedHashMap<>();
    private final Map<String, NDArray> masks = new LinkedHashMap<>();
    private final DecoderModel model;

    WholeMatrixSlices(DecoderModel model, NDManager manager, List<HotSpot> hotSpots, EditSettings settings) {
        this.model = model;
        for (HotSpot spot : hotSpots) {
            if (spot.layer() >= model.config().numLayers()) {
                throw new IllegalArgumentException("Hot spot layer " + spot.layer() + " does not exist; the model has "
                        + model.config().numLayers() + " layers");
            }
            MlpLayout layout = model.mlpLayout(spot.layer());
            for (Map.Entry<String, Integer> weight : TrainableSlices.trainedWeights(layout, settings.matrices())
                    .entrySet()) {
                String name = weight.getKey();
                int axis = weight.getValue();
                Shape shape = model.parameter(name).getShape();
                NDArray mask = neuronMask(manager, shape, axis, spot.neurons());
                NDArray delta = manager.zeros(shape);
                delta.setRequiresGradient(true);
                masks.put(name, mask);
                deltas.put(name, delta);
            }
        }
        if (deltas.isEmpty()) {
            throw new IllegalArgumentException("No weights to train: the hot spots select no matrix of this model");
        }
    }

    /** Returns a {@code shape} array with ones on the given indices along {@code axis} and zeros elsewhere. */
    static NDArray neuronMask(NDManager manager, Shape shape, int axis, List<Integer> neurons) {
        long size = shape.get(axis);
        float[] selected = new float[(int) size];
        for (int neuron : neurons) {
            if (neuron < 0 || neuron >= size) {
                throw new IllegalArgumentException("Neuron " + neuron + " is out of range; the layer has " + size
                        + " neurons");
            }
            selected[neuron] = 1f;
        }
        Shape vectorShape = axis == 0 ? new Shape(size, 1) : new Shape(1, size);
        return manager.create(selected, vectorShape).broadcast(shape).duplicate();
    }

    @Override
    public EditedWeights forStep(NDManager scope) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> entry : deltas.entrySet()) {
            NDArray masked = entry.getValue().mul(masks.get(entry.getKey()));
            masked.attach(scope);
            NDArray weight = masked.add(model.parameter(entry.getKey()));
            weight.attach(scope);
            out.put(entry.getKey(), weight);
        }
        return new EditedWeights(out, Map.of());
    }

    @Override
    public Map<String, NDArray> changes(NDManager scope) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> entry : deltas.entrySet()) {
            NDArray masked = entry.getValue().stopGradient().mul(masks.get(entry.getKey()));
            masked.attach(scope);
            out.put(entry.getKey(), masked);
        }
        return out;
    }

    @Override
    public Map<String, NDArray> trainable() {
        return deltas;
    }

    @Override
    public NDArray gradientMask(String name) {
        return masks.get(name);
    }

    @Override
    public NDArray squaredNorm(NDManager scope) {
        NDArray total = scope.zeros(new Shape());
        for (Map.Entry<String, NDArray> entry : deltas.entrySet()) {
            NDArray masked = entry.getValue().mul(masks.get(entry.getKey()));
            masked.attach(scope);
            total = total.add(masked.square().sum());
        }
        return total;
    }
}
