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
 * The weights an edit may change: for each trained matrix, a zero-initialised delta that requires
 * gradient and a 0/1 mask that selects the hot-spot neurons' slices. The model's own weights are
 * never modified while training; each forward pass uses {@code W + mask * delta}.
 *
 * <p>NOTE: deltas and masks have the shape of the whole matrix, and so do the gradients and the
 * Adam moments, so a trained matrix costs five float32 copies even when its hot spot is a few
 * neurons wide.
 */
final class TrainableSlices {

    private final Map<String, NDArray> deltas = new LinkedHashMap<>();
    private final Map<String, NDArray> masks = new LinkedHashMap<>();
    private final DecoderModel model;

    TrainableSlices(DecoderModel model, NDManager manager, List<HotSpot> hotSpots, EditSettings settings) {
        this.model = model;
        for (HotSpot spot : hotSpots) {
            if (spot.layer() >= model.config().numLayers()) {
                throw new IllegalArgumentException("Hot spot layer " + spot.layer() + " does not exist; the model has "
                        + model.config().numLayers() + " layers");
            }
            MlpLayout layout = model.mlpLayout(spot.layer());
            for (EditSettings.TrainedMatrix matrix : settings.matrices()) {
                String name;
                int axis;
                switch (matrix) {
                    case DOWN:
                        name = layout.down();
                        axis = layout.downNeuronAxis();
                        break;
                    case GATE:
                        if (layout.gate() == null) {
                            continue;
                        }
                        name = layout.gate();
                        axis = layout.inNeuronAxis();
                        break;
                    default:
                        name = layout.up();
                        axis = layout.inNeuronAxis();
                        break;
                }
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

    /** A {@code shape} array with ones on the given indices along {@code axis} and zeros elsewhere. */
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

    /**
     * The weights to use for a forward pass: {@code W + mask * delta} for every trained matrix,
     * attached to {@code scope} (the results keep their autograd history).
     */
    Map<String, NDArray> effectiveWeights(NDManager scope) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> entry : deltas.entrySet()) {
            NDArray masked = entry.getValue().mul(masks.get(entry.getKey()));
            masked.attach(scope);
            NDArray weight = masked.add(model.parameter(entry.getKey()));
            weight.attach(scope);
            out.put(entry.getKey(), weight);
        }
        return out;
    }

    /** The masked deltas without gradient history, attached to {@code scope}. */
    Map<String, NDArray> maskedDeltas(NDManager scope) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> entry : deltas.entrySet()) {
            NDArray masked = entry.getValue().stopGradient().mul(masks.get(entry.getKey()));
            masked.attach(scope);
            out.put(entry.getKey(), masked);
        }
        return out;
    }

    Map<String, NDArray> deltas() {
        return deltas;
    }

    NDArray mask(String name) {
        return masks.get(name);
    }

    /** Sum of squared masked deltas, a scalar with gradient. */
    NDArray squaredNorm(NDManager scope) {
        NDArray total = scope.zeros(new Shape());
        for (Map.Entry<String, NDArray> entry : deltas.entrySet()) {
            NDArray masked = entry.getValue().mul(masks.get(entry.getKey()));
            masked.attach(scope);
            total = total.add(masked.square().sum());
        }
        return total;
    }
}
