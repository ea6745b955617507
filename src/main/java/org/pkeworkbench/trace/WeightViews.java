package org.pkeworkbench.trace;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.MlpLayout;
import org.pkeworkbench.model.ModelConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-neuron views of the MLP weights: how large each neuron's weights are, and how much an edit
 * changed them. Every value is the Euclidean (L2) norm of one neuron's slice of a matrix, taken over
 * the hidden axis, so a neuron of a {@code [hidden, intermediate]} down projection is summarised by
 * the norm of its {@code hidden} weights.
 */
public final class WeightViews {

    private static final Logger LOG = LoggerFactory.getLogger(WeightViews.class);

    private WeightViews() {}

    /** Per neuron, {@code |W[neuron slice]|} of the down, gate and up projections. */
    public static NeuronWeightTables norms(DecoderModel model) {
        Autograd.disableOnThisThread();
        long started = System.nanoTime();
        NeuronWeightTables tables = collect(model, (scratch, name, axis) -> sliceNorms(scratch,
                model.parameterFloat32(name, scratch), axis));
        LOG.info("Computed MLP neuron weight norms of {} layers in {} ms", tables.layerCount(),
                (System.nanoTime() - started) / 1_000_000);
        return tables;
    }

    /**
     * Per neuron, {@code |W_edited[neuron slice] - W_original[neuron slice]|} of the down, gate and up
     * projections. A neuron that the edit left alone gets zero.
     *
     * @throws IllegalArgumentException when the two models differ in architecture, size or any MLP
     *     weight's shape
     */
    public static NeuronWeightTables change(DecoderModel original, DecoderModel edited) {
        Autograd.disableOnThisThread();
        long started = System.nanoTime();
        checkSameArchitecture(original, edited);
        NeuronWeightTables tables = collect(original, (scratch, name, axis) -> {
            NDArray before = original.parameterFloat32(name, scratch);
            NDArray after = edited.parameterFloat32(name, scratch);
            if (!before.getShape().equals(after.getShape())) {
                throw new IllegalArgumentException("Weight '" + name + "' has shape " + before.getShape() + " in "
                        + original.directory() + " but " + after.getShape() + " in " + edited.directory()
                        + "; compare two models of the same architecture");
            }
            NDArray moved = after.toDevice(before.getDevice(), true);
            moved.attach(scratch);
            NDArray difference = moved.sub(before);
            difference.attach(scratch);
            return sliceNorms(scratch, difference, axis);
        });
        LOG.info("Computed MLP neuron weight change between {} and {} in {} ms", original.directory(),
                edited.directory(), (System.nanoTime() - started) / 1_000_000);
        return tables;
    }

    private interface SliceValues {
        float[] compute(NDManager scratch, String weightName, int neuronAxis);
    }

    private static NeuronWeightTables collect(DecoderModel model, SliceValues values) {
        int layers = model.config().numLayers();
        float[][] down = new float[layers][];
        float[][] gate = model.mlpLayout(0).gate() == null ? null : new float[layers][];
        float[][] up = new float[layers][];
        for (int l = 0; l < layers; l++) {
            MlpLayout layout = model.mlpLayout(l);
            try (NDManager scratch = model.manager().newSubManager()) {
                down[l] = values.compute(scratch, layout.down(), layout.downNeuronAxis());
                up[l] = values.compute(scratch, layout.up(), layout.inNeuronAxis());
                if (gate != null) {
                    gate[l] = values.compute(scratch, layout.gate(), layout.inNeuronAxis());
                }
            }
        }
        return new NeuronWeightTables(down, gate, up);
    }

    /** {@code [a, b]} matrix to one L2 norm per index of {@code neuronAxis}, over the other axis. */
    private static float[] sliceNorms(NDManager scratch, NDArray weight, int neuronAxis) {
        int otherAxis = neuronAxis == 0 ? 1 : 0;
        NDArray squared = weight.square();
        squared.attach(scratch);
        NDArray sums = squared.sum(new int[] {otherAxis});
        sums.attach(scratch);
        NDArray norms = sums.sqrt();
        norms.attach(scratch);
        return norms.toFloatArray();
    }

    private static void checkSameArchitecture(DecoderModel original, DecoderModel edited) {
        ModelConfig a = original.config();
        ModelConfig b = edited.config();
        List<String> differences = new ArrayList<>();
        compare(differences, "architecture", a.architecture(), b.architecture());
        compare(differences, "model_type", a.modelType(), b.modelType());
        compare(differences, "layers", a.numLayers(), b.numLayers());
        compare(differences, "hidden size", a.hiddenSize(), b.hiddenSize());
        compare(differences, "intermediate size", a.intermediateSize(), b.intermediateSize());
        compare(differences, "vocabulary size", a.vocabSize(), b.vocabSize());
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException("Cannot compare the weights of " + original.directory() + " and "
                    + edited.directory() + ": their configs differ in " + String.join(", ", differences)
                    + "; compare a model with an edited copy of itself");
        }
    }

    private static void compare(List<String> differences, String field, Object a, Object b) {
        if (!a.equals(b)) {
            differences.add(field + " (" + a + " vs " + b + ")");
        }
    }
}
