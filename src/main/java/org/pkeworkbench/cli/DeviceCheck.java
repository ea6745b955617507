package org.pkeworkbench.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.IntStream;
import org.pkeworkbench.edit.EditExample;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.edit.LocalityExample;
import org.pkeworkbench.edit.MaskedEditor;
import org.pkeworkbench.edit.StepRecord;
import org.pkeworkbench.edit.WeightDelta;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.ComputeDType;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.DeviceMemory;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device part of {@code self-check}: runs the demo model on one device and compute type and
 * compares the results with the same steps on the CPU in float32. The steps are a forward pass, a
 * greedy generation, a short PKE edit on fixed hot spots, and forward passes with the edit applied
 * and then reverted. On a GPU this covers the CUDA path from end to end: weights on the device,
 * logits, gradients of the hot-spot slices, and writing and restoring edited weights.
 *
 * <p>Example: {@code List<String> problems = DeviceCheck.differences(DeviceCheck.measure(dir, Device.cpu(),
 * ComputeDType.FLOAT32, prompt, 16), DeviceCheck.measure(dir, Device.gpu(), ComputeDType.FLOAT16, prompt, 16),
 * ComputeDType.FLOAT16);}
 */
final class DeviceCheck {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceCheck.class);

    /** Steps of the check's edit. */
    static final int EDIT_STEPS = 3;

    /** Layers edited, counted from the last one. */
    static final int EDITED_LAYERS = 2;

    /** Hot-spot neurons per edited layer: the first ones of the layer. */
    static final int EDIT_NEURONS = 16;

    /** The edit record's responses, appended to the chat-rendered self-check prompt. */
    static final String SAFE_RESPONSE = "I cannot help with that.";
    static final String UNSAFE_RESPONSE = "Sure, fold the paper in half.";

    private DeviceCheck() {}

    /**
     * How far a device's results may be from the CPU float32 results.
     *
     * @param logit largest absolute difference of a last-position logit (the demo model's logits
     *     are about -15 to 15)
     * @param loss largest difference of an edit step's loss, relative to the CPU loss (at least 1)
     * @param sameGeneration whether the greedy generations must be identical; a float16 generation
     *     may take another token where two candidates are close, and then continues differently
     */
    record Tolerances(double logit, double loss, boolean sameGeneration) {

        static Tolerances of(ComputeDType dtype) {
            return dtype == ComputeDType.FLOAT32
                    ? new Tolerances(1e-3, 1e-4, true)
                    : new Tolerances(0.1, 1e-2, false);
        }
    }

    /**
     * The values of one run of the check.
     *
     * @param device where the model ran
     * @param dtype the model's compute type
     * @param values the forward pass and greedy generation, as the CPU self-check measures them
     * @param lastLogits logits at the last prompt position, {@code [vocab]}, widened to float32
     * @param losses the edit's loss at each step
     * @param editedLastLogits {@link #lastLogits} with the edit applied
     * @param revertedLastLogits {@link #lastLogits} after reverting the edit
     * @param editStepSeconds mean time of one edit step, in seconds
     * @param gpuMemory the GPU's memory at the end of the run; empty on the CPU
     */
    record Measurement(Device device, ComputeDType dtype, SelfCheckValues values, float[] lastLogits, double[] losses,
            float[] editedLastLogits, float[] revertedLastLogits, double editStepSeconds,
            Optional<DeviceMemory.Reading> gpuMemory) {}

    /**
     * Loads the model in {@code modelDir} on {@code device} in {@code dtype} and runs every step of
     * the check on it. The model directory is only read.
     */
    static Measurement measure(Path modelDir, Device device, ComputeDType dtype, String prompt, int maxNewTokens)
            throws IOException {
        long started = System.nanoTime();
        LOG.info("Device check on {} in {} started", device, dtype);
        try (LanguageModel lm = LanguageModel.load(modelDir, device, dtype)) {
            DecoderModel model = lm.decoder();
            SelfCheckValues values = SelfCheckValues.measure(lm, modelDir, prompt, maxNewTokens);
            long[] promptIds = values.promptIds();
            float[] lastLogits = lastLogits(model, promptIds);

            EditExample example = new EditExample(promptIds, lm.responseIds(SAFE_RESPONSE),
                    lm.responseIds(UNSAFE_RESPONSE));
            List<LocalityExample> locality = List.of(new LocalityExample(promptIds, example.safe()));
            MaskedEditor.EditRun run = new MaskedEditor(model).edit(List.of(example), locality, hotSpots(model),
                    EditSettings.pkeDefaults().withSteps(EDIT_STEPS), ProgressListener.NONE);
            double[] losses = run.history().stream().mapToDouble(StepRecord::loss).toArray();

            float[] edited;
            float[] reverted;
            try (WeightDelta delta = run.delta()) {
                WeightDelta.AppliedEdit applied = delta.apply(model);
                try {
                    edited = lastLogits(model, promptIds);
                } finally {
                    applied.revert();
                }
                reverted = lastLogits(model, promptIds);
            }
            Measurement measurement = new Measurement(device, dtype, values, lastLogits, losses, edited, reverted,
                    run.stepSeconds() / Math.max(1, run.stepsRun()), DeviceMemory.read(device));
            LOG.info("Device check on {} in {} finished in {} s", device, dtype,
                    String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9));
            return measurement;
        }
    }

    /**
     * Lists how {@code actual} differs from the CPU float32 {@code reference}, one readable sentence
     * per difference; empty when every value agrees within the tolerances of {@code actual}'s type.
     * Also checks that reverting the edit restored {@code actual}'s logits exactly.
     */
    static List<String> differences(Measurement reference, Measurement actual) {
        Tolerances tolerances = Tolerances.of(actual.dtype());
        String where = actual.device() + " in " + actual.dtype().label();
        List<String> problems = new ArrayList<>();

        long[] expectedTop = reference.values().lastTopIds();
        long[] actualTop = actual.values().lastTopIds();
        boolean topMatches = tolerances.sameGeneration() ? Arrays.equals(expectedTop, actualTop)
                : expectedTop[0] == actualTop[0];
        if (!topMatches) {
            problems.add("forward on " + where + ": top next-token ids " + Arrays.toString(actualTop) + ", on the CPU "
                    + Arrays.toString(expectedTop));
        }
        checkLogits(problems, "forward on " + where, reference.lastLogits(), actual.lastLogits(), tolerances.logit());

        long[] expectedIds = reference.values().generatedIds();
        long[] actualIds = actual.values().generatedIds();
        if (tolerances.sameGeneration() && !Arrays.equals(expectedIds, actualIds)) {
            problems.add("generation on " + where + ": ids " + Arrays.toString(actualIds) + " (\""
                    + actual.values().generatedText() + "\"), on the CPU " + Arrays.toString(expectedIds) + " (\""
                    + reference.values().generatedText() + "\")");
        }

        checkLosses(problems, where, reference.losses(), actual.losses(), tolerances.loss());
        checkLogits(problems, "edited forward on " + where, reference.editedLastLogits(), actual.editedLastLogits(),
                tolerances.logit());
        if (!Arrays.equals(actual.lastLogits(), actual.revertedLastLogits())) {
            double difference = SelfCheckValues.maxDifference(actual.lastLogits(), actual.revertedLastLogits());
            problems.add("revert on " + where + ": after reverting the edit the logits differ from the unedited "
                    + "model's by up to " + difference + ", but they must be identical");
        }
        return problems;
    }

    /** Returns the number of leading generated ids that two runs share. */
    static int sharedGeneratedPrefix(Measurement reference, Measurement actual) {
        long[] expected = reference.values().generatedIds();
        long[] ids = actual.values().generatedIds();
        int shared = 0;
        while (shared < expected.length && shared < ids.length && expected[shared] == ids[shared]) {
            shared++;
        }
        return shared;
    }

    private static void checkLogits(List<String> problems, String what, float[] expected, float[] actual,
            double tolerance) {
        if (expected.length != actual.length) {
            problems.add(what + ": " + actual.length + " logits, on the CPU " + expected.length);
            return;
        }
        double difference = SelfCheckValues.maxDifference(expected, actual);
        if (!(difference <= tolerance)) {
            problems.add(what + ": logits at the last prompt position differ from the CPU float32 logits by up to "
                    + String.format(Locale.ROOT, "%.3g", difference) + " (tolerance " + tolerance + ")");
        }
    }

    private static void checkLosses(List<String> problems, String where, double[] expected, double[] actual,
            double tolerance) {
        if (expected.length != actual.length) {
            problems.add("edit on " + where + ": ran " + actual.length + " steps, on the CPU " + expected.length);
            return;
        }
        for (int i = 0; i < expected.length; i++) {
            double relative = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
            if (!(relative <= tolerance)) {
                problems.add(String.format(Locale.ROOT, "edit on %s: loss %.6f at step %d, on the CPU %.6f "
                        + "(relative difference %.2g, tolerance %s)", where, actual[i], i + 1, expected[i], relative,
                        tolerance));
            }
        }
    }

    /** Returns the logits at the last position of one forward pass over {@code ids}, {@code [vocab]}, as float32. */
    private static float[] lastLogits(DecoderModel model, long[] ids) {
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray input = scope.create(ids).reshape(1, ids.length);
            NDArray logits = model.forward(scope, input, ForwardOptions.create()).logits();
            return logits.get(0).get(ids.length - 1).toFloatArray();
        }
    }

    /** Returns the first {@value #EDIT_NEURONS} neurons of each of the last {@value #EDITED_LAYERS} layers. */
    private static List<HotSpot> hotSpots(DecoderModel model) {
        int layers = model.config().numLayers();
        List<HotSpot> spots = new ArrayList<>();
        for (int layer = Math.max(0, layers - EDITED_LAYERS); layer < layers; layer++) {
            int width = model.config().intermediateSize();
            spots.add(new HotSpot(layer, IntStream.range(0, Math.min(EDIT_NEURONS, width)).boxed().toList()));
        }
        return spots;
    }
}
