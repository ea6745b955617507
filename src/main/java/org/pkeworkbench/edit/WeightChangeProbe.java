package org.pkeworkbench.edit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.HotSpots;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.MlpLayout;
import org.pkeworkbench.model.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optional neuron weight-change probe: before the edit, train every neuron of the candidate
 * layers for a few steps on the edit loss, without a neuron mask, and measure how far each
 * neuron's weights move. The neurons that move most are those whose weights the loss's gradient
 * pulls on hardest.
 *
 * <p>The probe uses {@link MaskedEditor} with whole-layer hot spots, so it computes the same loss
 * as the edit and never changes the model. It takes plain gradient-descent steps at the edit's
 * learning rate, because Adam moves every element by about the learning rate regardless of its
 * gradient and would leave all neurons at nearly the same distance. Early stopping and the
 * per-weight change bound are off, so every probe runs exactly its step count.
 *
 * <p>Cost: each probe step is one edit step with every neuron of the candidate layers trainable,
 * that is a forward and backward pass over all edit and locality records, plus a delta and a
 * gradient of the whole matrix for each trained matrix of those layers.
 */
public final class WeightChangeProbe {

    private static final Logger LOG = LoggerFactory.getLogger(WeightChangeProbe.class);

    /** The method label of the probe's edit run in logs. */
    public static final String METHOD = "probe";

    private final DecoderModel model;

    public WeightChangeProbe(DecoderModel model) {
        this.model = model;
    }

    /** Measures the movement of every neuron of every layer; see {@link #measure(List, List, List, EditSettings, int, ProgressListener)}. */
    public float[][] measure(List<EditExample> examples, List<LocalityExample> locality, EditSettings settings,
            int probeSteps, ProgressListener progress) {
        List<Integer> all = IntStream.range(0, model.config().numLayers()).boxed().toList();
        return measure(examples, locality, all, settings, probeSteps, progress);
    }

    /**
     * Trains every neuron of {@code layers} for {@code probeSteps} gradient steps on the loss of
     * {@code settings} (its weights, learning rate and trained matrices) and returns each neuron's
     * movement: the Euclidean norm of its slices of all trained matrices' change.
     *
     * @return {@code [layers][intermediate]}, movement per layer and neuron (same unit as the
     *     weights); rows of layers not in {@code layers} are zero
     * @throws IllegalStateException when the loss diverged and a movement is not finite
     */
    public float[][] measure(List<EditExample> examples, List<LocalityExample> locality, List<Integer> layers,
            EditSettings settings, int probeSteps, ProgressListener progress) {
        int layerCount = model.config().numLayers();
        int neurons = model.config().intermediateSize();
        checkLayers(layers, layerCount);
        EditSettings probeSettings = probeSettings(settings, probeSteps);
        long started = System.nanoTime();
        LOG.info("Starting weight-change probe: {} steps on layers {}, matrices {}", probeSteps, layers,
                settings.matrices());

        List<Integer> everyNeuron = IntStream.range(0, neurons).boxed().toList();
        List<HotSpot> wholeLayers = layers.stream().map(layer -> new HotSpot(layer, everyNeuron)).toList();
        MaskedEditor.EditRun run = new MaskedEditor(model).edit(examples, locality, wholeLayers,
                probeSettings, progress, MaskedGradientDescent::new);

        float[][] movement = new float[layerCount][neurons];
        try (WeightDelta delta = run.delta()) {
            for (int layer : layers) {
                movement[layer] = neuronMovement(delta, model, layer);
                checkFinite(movement[layer], layer, settings);
            }
        }
        LOG.info("Finished weight-change probe on layers {} in {} s", layers,
                String.format(Locale.ROOT, "%.2f", (System.nanoTime() - started) / 1e9));
        return movement;
    }

    /**
     * Re-selects the neurons of each located layer by probe movement, with the selection of
     * {@code locateSettings} ({@link LocateSettings.NeuronSelection}). The layers stay as located.
     */
    public List<HotSpot> rankHotSpots(List<HotSpot> located, List<EditExample> examples,
            List<LocalityExample> locality, EditSettings editSettings, LocateSettings locateSettings,
            ProgressListener progress) {
        progress.checkCancelled();
        List<Integer> layers = located.stream().map(HotSpot::layer).toList();
        float[][] movement = measure(examples, locality, layers, editSettings, locateSettings.probeSteps(), progress);
        List<HotSpot> out = new ArrayList<>();
        for (HotSpot spot : located) {
            HotSpot ranked = new HotSpot(spot.layer(), HotSpots.selectNeurons(movement[spot.layer()], locateSettings));
            Set<Integer> common = new HashSet<>(ranked.neurons());
            common.retainAll(spot.neurons());
            LOG.info("Probe selected {} neurons in layer {}; {} of the locator's {} are among them",
                    ranked.neurons().size(), spot.layer(), common.size(), spot.neurons().size());
            out.add(ranked);
        }
        return out;
    }

    /** Returns the edit settings of a probe run: same loss and matrices, no early stop, no change bound. */
    static EditSettings probeSettings(EditSettings settings, int probeSteps) {
        if (probeSteps < 1) {
            throw new IllegalArgumentException("The weight-change probe needs at least 1 step, got " + probeSteps);
        }
        return new EditSettings(METHOD, settings.learningRate(), probeSteps, settings.safeWeight(),
                settings.unlikelihoodWeight(), settings.klWeight(), settings.firstPositionKlWeight(),
                settings.klHasGradient(), settings.normWeight(), settings.matrices(), 0.0, 0.0, 0.0, settings.seed());
    }

    /**
     * Per-neuron movement in one layer: for neuron {@code j}, {@code sqrt(sum over the changed
     * matrices of |slice j of dW|^2)}, where the slice is column {@code j} of the down projection
     * and row {@code j} of the gate and up projections (axes from {@link MlpLayout}).
     *
     * @return {@code [intermediate]}, zeros when no matrix of the layer changed
     */
    static float[] neuronMovement(WeightDelta delta, DecoderModel model, int layer) {
        MlpLayout layout = model.mlpLayout(layer);
        Map<String, NDArray> changes = delta.changes();
        double[] squared = new double[model.config().intermediateSize()];
        addSquaredSliceNorms(changes.get(layout.down()), layout.downNeuronAxis(), squared);
        if (layout.gate() != null) {
            addSquaredSliceNorms(changes.get(layout.gate()), layout.inNeuronAxis(), squared);
        }
        addSquaredSliceNorms(changes.get(layout.up()), layout.inNeuronAxis(), squared);

        float[] out = new float[squared.length];
        for (int j = 0; j < out.length; j++) {
            out[j] = (float) Math.sqrt(squared[j]);
        }
        return out;
    }

    /** Adds each neuron's squared slice norm of {@code change} (2-D, neurons along {@code neuronAxis}); null adds nothing. */
    private static void addSquaredSliceNorms(NDArray change, int neuronAxis, double[] squared) {
        if (change == null) {
            return;
        }
        int otherAxis = neuronAxis == 0 ? 1 : 0;
        try (NDManager scratch = change.getManager().newSubManager()) {
            NDArray sums = change.square().sum(new int[] {otherAxis});
            sums.attach(scratch);
            float[] values = sums.toFloatArray();
            for (int j = 0; j < values.length; j++) {
                squared[j] += values[j];
            }
        }
    }

    private static void checkLayers(List<Integer> layers, int layerCount) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("The weight-change probe needs at least one layer");
        }
        Set<Integer> seen = new HashSet<>();
        for (int layer : layers) {
            if (layer < 0 || layer >= layerCount) {
                throw new IllegalArgumentException("Probe layer " + layer + " does not exist; the model has "
                        + layerCount + " layers (0 to " + (layerCount - 1) + ")");
            }
            if (!seen.add(layer)) {
                throw new IllegalArgumentException("Probe layer " + layer + " is listed twice");
            }
        }
    }

    private static void checkFinite(float[] movement, int layer, EditSettings settings) {
        for (int j = 0; j < movement.length; j++) {
            if (!Float.isFinite(movement[j])) {
                throw new IllegalStateException("Weight-change probe diverged: neuron " + j + " of layer " + layer
                        + " moved " + movement[j] + "; lower the learning rate (now " + settings.learningRate()
                        + ") or the probe steps");
            }
        }
    }
}
