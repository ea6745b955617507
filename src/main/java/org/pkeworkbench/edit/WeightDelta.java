package org.pkeworkbench.edit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.MlpLayout;

/**
 * The result of an edit: per changed parameter, the full-shape change {@code dW} (zero outside the
 * hot-spot slices). Owns its arrays; close it when it is no longer needed.
 */
public final class WeightDelta implements AutoCloseable {

    private final NDManager manager;
    private final Map<String, NDArray> changes;
    private final List<HotSpot> hotSpots;

    /**
     * Takes ownership of the arrays in {@code source}: they move to a new sub-manager of
     * {@code parent}, without a copy, so the caller must not close or change them afterwards.
     */
    WeightDelta(NDManager parent, Map<String, NDArray> source, List<HotSpot> hotSpots) {
        this.manager = parent.newSubManager();
        this.changes = new LinkedHashMap<>();
        source.forEach((name, value) -> {
            value.attach(manager);
            changes.put(name, value);
        });
        this.hotSpots = List.copyOf(hotSpots);
    }

    /**
     * Adds several deltas into a new one that owns its arrays: the change of each parameter is the
     * sum of its changes, and each layer's hot spot contains the union of the neurons. The inputs stay
     * open and unchanged.
     *
     * @param parent the manager the new delta's arrays live under (usually the model's)
     * @param deltas at least one delta over the same model
     */
    public static WeightDelta sum(NDManager parent, List<WeightDelta> deltas) {
        if (deltas.isEmpty()) {
            throw new IllegalArgumentException("Summing weight deltas needs at least one delta");
        }
        try (NDManager scratch = parent.newSubManager()) {
            Map<String, NDArray> totals = new LinkedHashMap<>();
            Map<Integer, java.util.Set<Integer>> neurons = new java.util.TreeMap<>();
            for (WeightDelta delta : deltas) {
                for (Map.Entry<String, NDArray> entry : delta.changes.entrySet()) {
                    NDArray total = totals.get(entry.getKey());
                    if (total == null) {
                        total = entry.getValue().duplicate();
                        total.attach(scratch);
                        totals.put(entry.getKey(), total);
                    } else {
                        total.addi(entry.getValue());
                    }
                }
                for (HotSpot spot : delta.hotSpots) {
                    neurons.computeIfAbsent(spot.layer(), layer -> new java.util.TreeSet<>()).addAll(spot.neurons());
                }
            }
            List<HotSpot> spots = new java.util.ArrayList<>();
            neurons.forEach((layer, set) -> spots.add(new HotSpot(layer, List.copyOf(set))));
            return new WeightDelta(parent, totals, spots);
        }
    }

    /** Changes by canonical parameter name. */
    public Map<String, NDArray> changes() {
        return Collections.unmodifiableMap(changes);
    }

    public List<HotSpot> hotSpots() {
        return hotSpots;
    }

    /** Writes {@code W + dW} into the model, returning a handle that restores the original weights. */
    public AppliedEdit apply(DecoderModel model) {
        Autograd.disableOnThisThread();
        Map<String, NDArray> originals = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> entry : changes.entrySet()) {
            NDArray original = model.parameter(entry.getKey());
            try (NDManager scratch = manager.newSubManager()) {
                NDArray edited = entry.getValue().add(original);
                edited.attach(scratch);
                model.replaceParameter(entry.getKey(), edited, true);
            }
            originals.put(entry.getKey(), original);
        }
        return new AppliedEdit(model, originals);
    }

    /**
     * Per-neuron size of the change in one layer's down projection: {@code |dW[:, j]|} for neuron
     * {@code j} (Euclidean norm of the neuron's slice), zeros when the layer did not change.
     */
    public float[] neuronChange(DecoderModel model, int layer) {
        MlpLayout layout = model.mlpLayout(layer);
        NDArray change = changes.get(layout.down());
        if (change == null) {
            return new float[model.config().intermediateSize()];
        }
        int otherAxis = layout.downNeuronAxis() == 0 ? 1 : 0;
        try (NDManager scratch = manager.newSubManager()) {
            NDArray norms = change.square().sum(new int[] {otherAxis}).sqrt();
            norms.attach(scratch);
            return norms.toFloatArray();
        }
    }

    /** Number of weights that differ from the original. */
    public long changedWeightCount() {
        long count = 0;
        for (NDArray change : changes.values()) {
            try (NDManager scratch = manager.newSubManager()) {
                NDArray nonZero = change.neq(0f);
                nonZero.attach(scratch);
                count += nonZero.countNonzero().getLong();
            }
        }
        return count;
    }

    @Override
    public void close() {
        manager.close();
    }

    /** An edit written into a model; {@link #revert()} puts the original weights back. */
    public static final class AppliedEdit {

        private final DecoderModel model;
        private final Map<String, NDArray> originals;
        private boolean reverted;

        AppliedEdit(DecoderModel model, Map<String, NDArray> originals) {
            this.model = model;
            this.originals = originals;
        }

        public void revert() {
            if (reverted) {
                return;
            }
            originals.forEach((name, original) -> model.replaceParameter(name, original, false));
            reverted = true;
        }
    }
}
