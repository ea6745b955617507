package org.pkeworkbench.edit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.MlpLayout;

/**
 * The result of an edit: per changed parameter, the change {@code dW} (zero outside the hot-spot
 * slices). Owns its arrays; close it when it is no longer needed.
 *
 * <p>A change is kept in the form the edit trained it: an edit of {@code k} hot-spot neurons keeps
 * only their slices, {@code [rows, k]} or {@code [k, columns]}, so an undo history of a 7B model
 * keeps megabytes per edit instead of a full float32 copy of each edited matrix. Full-shape arrays
 * are made on demand: {@link #changes(NDManager)} into the caller's scope, {@link #changes()} once,
 * kept with the delta.
 */
public final class WeightDelta implements AutoCloseable {

    private final NDManager manager;
    private final Map<String, Part> parts;
    private final List<HotSpot> hotSpots;
    private Map<String, NDArray> fullChanges;

    /**
     * The change of one matrix.
     *
     * @param axis the neuron axis of the matrix, unused when {@code neurons} is null
     * @param neurons the changed neurons along {@code axis}, ascending, or null when {@code values}
     *     is the whole matrix's change
     * @param values FP32, the matrix's shape with {@code neurons.length} along {@code axis}
     * @param fullShape the shape of the matrix
     */
    record Part(int axis, long[] neurons, NDArray values, Shape fullShape) {}

    /**
     * Takes ownership of the full-shape changes in {@code source}: they move to a new sub-manager
     * of {@code parent}, without a copy, so the caller must not close or change them afterwards.
     */
    WeightDelta(NDManager parent, Map<String, NDArray> source, List<HotSpot> hotSpots) {
        this(parent, hotSpots, wholeParts(source));
    }

    private WeightDelta(NDManager parent, List<HotSpot> hotSpots, Map<String, Part> source) {
        this.manager = parent.newSubManager();
        this.parts = new LinkedHashMap<>();
        source.forEach((name, part) -> {
            part.values().attach(manager);
            parts.put(name, part);
        });
        this.hotSpots = List.copyOf(hotSpots);
    }

    /**
     * Takes ownership of slice-form changes, like {@link #WeightDelta(NDManager, Map, List)}: the
     * values move to the new delta without a copy.
     */
    static WeightDelta ofParts(NDManager parent, Map<String, Part> parts, List<HotSpot> hotSpots) {
        return new WeightDelta(parent, hotSpots, parts);
    }

    private static Map<String, Part> wholeParts(Map<String, NDArray> source) {
        Map<String, Part> out = new LinkedHashMap<>();
        source.forEach((name, value) -> out.put(name, new Part(0, null, value, value.getShape())));
        return out;
    }

    /**
     * Adds several deltas into a new one that owns its arrays: the change of each parameter is the
     * sum of its changes, and each layer's hot spot contains the union of the neurons. The inputs stay
     * open and unchanged. A parameter whose changes are all slices along the same axis keeps slice
     * form, over the union of their neurons. Any other parameter gets a full-shape sum.
     *
     * @param parent the manager the new delta's arrays live under (usually the model's)
     * @param deltas at least one delta over the same model
     */
    public static WeightDelta sum(NDManager parent, List<WeightDelta> deltas) {
        if (deltas.isEmpty()) {
            throw new IllegalArgumentException("Summing weight deltas needs at least one delta");
        }
        Map<String, List<Part>> byParameter = new LinkedHashMap<>();
        Map<Integer, Set<Integer>> neurons = new TreeMap<>();
        for (WeightDelta delta : deltas) {
            delta.parts.forEach((name, part) -> byParameter.computeIfAbsent(name, key -> new ArrayList<>())
                    .add(part));
            for (HotSpot spot : delta.hotSpots) {
                neurons.computeIfAbsent(spot.layer(), layer -> new TreeSet<>()).addAll(spot.neurons());
            }
        }
        List<HotSpot> spots = new ArrayList<>();
        neurons.forEach((layer, set) -> spots.add(new HotSpot(layer, List.copyOf(set))));

        try (NDManager scratch = parent.newSubManager()) {
            Map<String, Part> totals = new LinkedHashMap<>();
            byParameter.forEach((name, parts) -> totals.put(name, sumOf(parts, scratch)));
            return new WeightDelta(parent, spots, totals);
        }
    }

    /** Returns the sum of one parameter's changes as a new part owned by {@code scratch}. */
    private static Part sumOf(List<Part> parts, NDManager scratch) {
        int axis = parts.get(0).axis();
        boolean sliced = parts.stream().allMatch(part -> part.neurons() != null && part.axis() == axis);
        if (!sliced) {
            NDArray total = fullChange(parts.get(0), scratch);
            for (Part part : parts.subList(1, parts.size())) {
                try (NDArray change = fullChange(part, scratch)) {
                    total.addi(change);
                }
            }
            return new Part(0, null, total, total.getShape());
        }

        long[] union = parts.stream().flatMapToLong(part -> Arrays.stream(part.neurons()))
                .distinct().sorted().toArray();
        Shape fullShape = parts.get(0).fullShape();
        long[] shape = fullShape.getShape().clone();
        shape[axis] = union.length;
        NDArray total = scratch.zeros(new Shape(shape), DataType.FLOAT32, parts.get(0).values().getDevice());
        for (Part part : parts) {
            long[] positions = Arrays.stream(part.neurons())
                    .map(neuron -> Arrays.binarySearch(union, neuron)).toArray();
            try (NDArray index = scratch.create(positions)) {
                addAt(total, slicesOf(part, index), part.values(), scratch);
            }
        }
        return new Part(axis, union, total, fullShape);
    }

    /**
     * Changes by canonical parameter name, full-shape FP32. Made on the first call and kept with the
     * delta until it closes. {@link #changes(NDManager)} makes arrays that go when a scope closes.
     */
    public Map<String, NDArray> changes() {
        if (fullChanges == null) {
            fullChanges = Collections.unmodifiableMap(changes(manager));
        }
        return fullChanges;
    }

    /**
     * Returns full-shape FP32 copies of the changes by canonical parameter name, owned by
     * {@code scope}. The delta keeps only its own form.
     */
    public Map<String, NDArray> changes(NDManager scope) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        parts.forEach((name, part) -> out.put(name, fullChange(part, scope)));
        return out;
    }

    /** Returns the changes in the form the delta keeps them, by canonical parameter name, in the order of the edit. */
    Map<String, Part> parts() {
        return Collections.unmodifiableMap(parts);
    }

    /** Returns whether every change is a finite number: false after an edit that diverged. */
    public boolean isFinite() {
        for (Part part : parts.values()) {
            try (NDArray nan = part.values().isNaN();
                    NDArray anyNan = nan.any();
                    NDArray infinite = part.values().isInfinite();
                    NDArray anyInfinite = infinite.any()) {
                if (anyNan.getBoolean() || anyInfinite.getBoolean()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Returns the names of the changed parameters, in the order of the edit. */
    public Set<String> changedParameters() {
        return Collections.unmodifiableSet(parts.keySet());
    }

    /**
     * Returns the full-shape change of one part as a new array owned by {@code scope}: zeros with
     * the slices written in place, so the full-shape array exists once.
     */
    static NDArray fullChange(Part part, NDManager scope) {
        if (part.neurons() == null) {
            NDArray copy = part.values().duplicate();
            copy.attach(scope);
            return copy;
        }
        NDArray change = scope.zeros(part.fullShape(), DataType.FLOAT32);
        try (NDArray index = scope.create(part.neurons())) {
            change.set(slicesOf(part, index), part.values());
        }
        return change;
    }

    /** Returns the index of a part's slices along its axis, given its neurons as an INT64 array. */
    private static NDIndex slicesOf(Part part, NDArray neurons) {
        return part.axis() == 0 ? new NDIndex("{}", neurons) : new NDIndex(":, {}", neurons);
    }

    public List<HotSpot> hotSpots() {
        return hotSpots;
    }

    /** Writes {@code W + dW} into the model, returning a handle that restores the original weights. */
    public AppliedEdit apply(DecoderModel model) {
        Autograd.disableOnThisThread();
        Map<String, NDArray> originals = new LinkedHashMap<>();
        for (Map.Entry<String, Part> entry : parts.entrySet()) {
            NDArray original = model.parameter(entry.getKey());
            // The FP32 sum becomes the parameter of a float32 model, or is converted and freed with
            // the scratch manager. No full-shape change is made.
            try (NDManager scratch = manager.newSubManager()) {
                model.replaceParameter(entry.getKey(), addTo(original, entry.getValue(), scratch), true);
            }
            originals.put(entry.getKey(), original);
        }
        return new AppliedEdit(model, originals);
    }

    /** Returns {@code original + change} in FP32, owned by {@code scope}, adding only the changed slices. */
    private static NDArray addTo(NDArray original, Part part, NDManager scope) {
        // A copy in every case: toType returns the array itself when the type already matches, and
        // writing into a memory-mapped weight crashes the JVM.
        NDArray edited = original.getDataType() == DataType.FLOAT32 ? original.duplicate()
                : original.toType(DataType.FLOAT32, true);
        edited.attach(scope);
        if (part.neurons() == null) {
            edited.addi(part.values());
            return edited;
        }
        try (NDArray index = scope.create(part.neurons())) {
            addAt(edited, slicesOf(part, index), part.values(), scope);
        }
        return edited;
    }

    /** Adds {@code values} to the slices of {@code target} at {@code where}, in place; temporaries go to {@code scope}. */
    private static void addAt(NDArray target, NDIndex where, NDArray values, NDManager scope) {
        NDArray slices = target.get(where);
        slices.attach(scope);
        target.set(where, slices.add(values));
    }

    /**
     * Per-neuron size of the change in one layer's down projection: {@code |dW[:, j]|} for neuron
     * {@code j} (Euclidean norm of the neuron's slice), zeros when the layer did not change.
     */
    public float[] neuronChange(DecoderModel model, int layer) {
        MlpLayout layout = model.mlpLayout(layer);
        Part part = parts.get(layout.down());
        if (part == null) {
            return new float[model.config().intermediateSize()];
        }
        int otherAxis = layout.downNeuronAxis() == 0 ? 1 : 0;
        try (NDManager scratch = manager.newSubManager()) {
            // Norms of the kept values: for a slice-form change those of its own neurons, because
            // the other neurons did not change. The squares are attached first, so every
            // temporary belongs to the scratch manager.
            NDArray squares = part.values().square();
            squares.attach(scratch);
            NDArray norms = squares.sum(new int[] {otherAxis}).sqrt();
            float[] values = norms.toFloatArray();
            if (part.neurons() == null) {
                return values;
            }
            float[] all = new float[model.config().intermediateSize()];
            for (int i = 0; i < values.length; i++) {
                all[(int) part.neurons()[i]] = values[i];
            }
            return all;
        }
    }

    /** Returns the number of FP32 values the delta keeps, in whichever form it keeps them. */
    long storedValueCount() {
        return parts.values().stream().mapToLong(part -> part.values().size()).sum();
    }

    /** Number of weights that differ from the original. */
    public long changedWeightCount() {
        long count = 0;
        for (Part part : parts.values()) {
            try (NDManager scratch = manager.newSubManager()) {
                NDArray nonZero = part.values().neq(0f);
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
