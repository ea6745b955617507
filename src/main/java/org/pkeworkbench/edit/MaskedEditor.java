package org.pkeworkbench.edit;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.NativeMemoryTuning;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.Tensors;
import org.pkeworkbench.model.TokenLoss;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains only the hot-spot slices of the MLP weights with Adam on the loss described in
 * {@link EditSettings}; the trainable deltas and Adam's moments are sized by the slices (see
 * {@link TrainableSlices}). PKE and DINM differ only in their hot spots and settings. The model is not
 * changed: the result is a {@link WeightDelta} to apply, so a cancelled edit leaves it as it was.
 *
 * <p>Unless {@link EditSettings#fullRecomputation()} is set, the hidden states entering the first
 * edited layer are computed once per edit (see {@link LayerInputCache}), and each step's forward
 * pass runs from that layer on.
 *
 * <p>Example: {@code WeightDelta delta = new MaskedEditor(model).edit(examples, locality, hotSpots,
 * EditSettings.pkeDefaults(), ProgressListener.NONE).delta();}
 */
public final class MaskedEditor {

    private static final Logger LOG = LoggerFactory.getLogger(MaskedEditor.class);
    /** Keeps {@code log(1 - p)} finite when the model is certain of an unsafe token. */
    private static final float MAX_PROBABILITY = 1 - 1e-6f;
    /** Target size of the vocabulary-wide arrays of one backward pass: 1 GiB. */
    private static final long PASS_BYTES = 1L << 30;
    private static final int VOCABULARY_ARRAYS_PER_TOKEN = 8;
    private static final int MIN_TOKENS_PER_PASS = 64;

    private final DecoderModel model;

    public MaskedEditor(DecoderModel model) {
        this.model = model;
    }

    /**
     * Outcome of an edit run: the delta, how many steps ran and the loss of each.
     *
     * @param wallSeconds the whole run, including the passes before the first step
     * @param stepSeconds the steps alone: each step's forward passes, backward pass and update
     */
    public record EditRun(WeightDelta delta, int stepsRun, boolean stoppedEarly, List<StepRecord> history,
            double wallSeconds, double stepSeconds) {}

    public EditRun edit(List<EditExample> examples, List<LocalityExample> locality, List<HotSpot> hotSpots,
            EditSettings settings, ProgressListener progress) {
        return edit(examples, locality, hotSpots, settings, progress, MaskedAdam::new);
    }

    /** Runs the edit with the update rule from {@code optimizers} in place of Adam. */
    EditRun edit(List<EditExample> examples, List<LocalityExample> locality, List<HotSpot> hotSpots,
            EditSettings settings, ProgressListener progress, SliceOptimizer.Factory optimizers) {
        return edit(examples, locality, hotSpots, settings, progress, optimizers, TrainableSlices::new);
    }

    /** Runs the edit with the trainable state from {@code state} in place of {@link TrainableSlices}. */
    EditRun edit(List<EditExample> examples, List<LocalityExample> locality, List<HotSpot> hotSpots,
            EditSettings settings, ProgressListener progress, SliceOptimizer.Factory optimizers,
            TrainableWeights.Factory state) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("An edit needs at least one edit record");
        }
        if (hotSpots.isEmpty()) {
            throw new IllegalArgumentException("An edit needs at least one hot spot");
        }
        long started = System.nanoTime();
        Autograd.disableOnThisThread();
        int firstLayer = hotSpots.stream().mapToInt(HotSpot::layer).min().orElseThrow();
        LOG.info("Starting {} edit: {} records, {} locality records, hot spots in layers {}, lr {}, up to {} steps, "
                + "steps run {}", settings.method(), examples.size(), locality.size(),
                hotSpots.stream().map(HotSpot::layer).toList(), settings.learningRate(), settings.steps(),
                settings.fullRecomputation() ? "every layer" : "from layer " + firstLayer);
        try (NativeMemoryTuning.AutoCloseableNoThrow training = NativeMemoryTuning.trainingPhase();
                NDManager editScope = model.manager().newSubManager();
                SliceOptimizer optimizer = optimizers.create(editScope, settings.learningRate())) {
            TrainableWeights slices = state.create(model, editScope, hotSpots, settings);
            LayerInputCache inputs = settings.fullRecomputation()
                    ? LayerInputCache.none()
                    : LayerInputCache.compute(model, editScope, firstLayer, examples, measuresUnsafe(settings),
                            locality);
            List<NDArray> reference = referenceLogProbs(editScope, locality, inputs);
            List<NDArray> referenceProbabilities = reference.stream().map(NDArray::exp).toList();
            List<StepRecord> history = new ArrayList<>();
            boolean stoppedEarly = false;
            long stepNanos = 0;

            for (int step = 1; step <= settings.steps(); step++) {
                progress.checkCancelled();
                StepRecord record;
                long stepStarted = System.nanoTime();
                try (NDManager stepScope = editScope.newSubManager()) {
                    record = lossAndGradient(stepScope, slices, inputs, examples, locality, reference,
                            referenceProbabilities, settings, step, progress);
                }
                stepNanos += System.nanoTime() - stepStarted;
                if (!Double.isFinite(record.loss())) {
                    throw diverged("at step " + step + " of " + settings.steps() + " the loss became " + record.loss()
                            + " (safe NLL " + record.safeNll() + ")", settings);
                }
                history.add(record);
                progress.update((double) step / settings.steps(), String.format(java.util.Locale.ROOT,
                        "Step %d of %d: loss %.4f, safe NLL %.4f", step, settings.steps(), record.loss(),
                        record.safeNll()));
                LOG.debug("Edit step {}: {}", step, record);
                if (reachedTargets(record, settings)) {
                    stoppedEarly = true;
                    LOG.info("Stopping early at step {}: safe NLL {} and unsafe probability {} reached their targets",
                            step, record.safeNll(), record.unsafeProbability());
                    break;
                }
                long updateStarted = System.nanoTime();
                optimizer.step(slices, settings.maxChange());
                stepNanos += System.nanoTime() - updateStarted;
            }

            WeightDelta delta;
            try (NDManager scratch = editScope.newSubManager()) {
                delta = slices.toDelta(model.manager(), scratch, hotSpots);
            }
            if (!delta.isFinite()) {
                delta.close();
                throw diverged("after its last step the weight change is not finite", settings);
            }
            java.util.Optional<String> broken = EditedOutputCheck.problem(model, delta, examples.get(0));
            if (broken.isPresent()) {
                delta.close();
                throw diverged("after its last step " + broken.get(), settings);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            LOG.info("Finished {} edit after {} steps in {} s, {} weights changed", settings.method(), history.size(),
                    String.format(java.util.Locale.ROOT, "%.2f", seconds), delta.changedWeightCount());
            if (delta.changedWeightCount() == 0) {
                LOG.warn("The {} edit changed no weights: the model stays as it was. Check the learning rate ({}) "
                        + "and the max change per weight ({})", settings.method(), settings.learningRate(),
                        settings.maxChange());
            }
            return new EditRun(delta, history.size(), stoppedEarly, history, seconds, stepNanos / 1e9);
        }
    }

    /** Returns the exception for a diverged edit. Whoever reports the failed edit logs it, so it is not logged here. */
    private static EditDivergedException diverged(String cause, EditSettings settings) {
        return new EditDivergedException("The " + settings.method() + " edit diverged: " + cause + ". Nothing was "
                + "applied to the model; lower the learning rate (now " + settings.learningRate() + ") or set a max "
                + "change per weight (the edit command's --max-change)");
    }

    private static boolean reachedTargets(StepRecord record, EditSettings settings) {
        if (settings.safeNllTarget() <= 0 || record.safeNll() > settings.safeNllTarget()) {
            return false;
        }
        return settings.unsafeProbabilityTarget() <= 0 || record.unsafeProbability() <= settings.unsafeProbabilityTarget();
    }

    private static boolean measuresUnsafe(EditSettings settings) {
        return settings.unlikelihoodWeight() > 0 || settings.unsafeProbabilityTarget() > 0;
    }

    /** Log-probabilities of the unedited model at each answer position of each locality record, {@code [answer, vocab]}. */
    private List<NDArray> referenceLogProbs(NDManager scope, List<LocalityExample> locality, LayerInputCache inputs) {
        List<NDArray> out = new ArrayList<>();
        for (int i = 0; i < locality.size(); i++) {
            LocalityExample example = locality.get(i);
            NDArray ids = scope.create(example.promptAndAnswer()).reshape(1, -1);
            NDArray logits = model.forward(scope, ids, inputs.options(inputs.locality(i), EditedWeights.NONE)).logits();
            out.add(answerLogProbs(logits, example));
        }
        return out;
    }

    /** {@code [answer, vocab]} log-probabilities at the positions that predict the answer tokens. */
    private static NDArray answerLogProbs(NDArray logits, LocalityExample example) {
        int start = example.prompt().length;
        int end = start + example.answer().length;
        return logits.get(new NDIndex("0, {}:{}", start - 1, end - 1)).logSoftmax(-1);
    }

    private StepRecord lossAndGradient(NDManager scope, TrainableWeights slices, LayerInputCache inputs,
            List<EditExample> examples, List<LocalityExample> locality, List<NDArray> reference,
            List<NDArray> referenceProbabilities, EditSettings settings, int step, ProgressListener progress) {
        StepSums sums = new StepSums();
        for (List<Integer> chunk : chunks(examples.size(), i -> examples.get(i).promptAndSafe().length
                + (measuresUnsafe(settings) ? examples.get(i).promptAndUnsafe().length : 0))) {
            try (NDManager pass = scope.newSubManager()) {
                backwardRecords(pass, slices, inputs, examples, chunk, settings, sums, progress);
            }
        }
        if (!locality.isEmpty() && settings.klWeight() > 0) {
            for (List<Integer> chunk : chunks(locality.size(), i -> locality.get(i).promptAndAnswer().length)) {
                try (NDManager pass = scope.newSubManager()) {
                    backwardLocality(pass, slices, inputs, locality, chunk, reference, referenceProbabilities,
                            settings, sums, progress);
                }
            }
        }
        if (settings.normWeight() > 0) {
            try (NDManager pass = scope.newSubManager();
                    GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray norm = Tensors.scale(slices.squaredNorm(pass), settings.normWeight());
                sums.loss += norm.getFloat();
                collector.backward(norm);
            }
        }
        double unsafeProbability = sums.unsafeMeasured == 0 ? Double.NaN
                : sums.unsafeProbability / sums.unsafeMeasured;
        return new StepRecord(step, sums.loss, sums.safeNll / examples.size(), unsafeProbability, sums.kl);
    }

    /** Values summed over a step's backward passes, for its {@link StepRecord}. */
    private static final class StepSums {
        double loss;
        double safeNll;
        double unsafeProbability;
        int unsafeMeasured;
        double kl;
    }

    /**
     * Adds the gradient of the edit records' share of the loss, for the records in {@code chunk}:
     * {@code safeWeight / N} times each safe NLL and {@code unlikelihoodWeight / N} times each
     * unlikelihood term, with {@code N} the number of records. Autograd adds it to the gradients
     * of the earlier passes of the step.
     */
    private void backwardRecords(NDManager pass, TrainableWeights slices, LayerInputCache inputs,
            List<EditExample> examples, List<Integer> chunk, EditSettings settings, StepSums sums,
            ProgressListener progress) {
        boolean measureUnsafe = measuresUnsafe(settings);
        double safeScale = settings.safeWeight() / examples.size();
        double unlikelihoodScale = settings.unlikelihoodWeight() / examples.size();
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            EditedWeights weights = slices.forStep(pass);
            NDArray loss = pass.zeros(new Shape());
            // A pass with only zero-weighted terms has nothing to differentiate.
            boolean trainable = safeScale != 0;
            for (int i : chunk) {
                // A step over many records on a busy CPU can take minutes, so a cancel is checked per record.
                progress.checkCancelled();
                EditExample example = examples.get(i);
                NDArray ids = pass.create(example.promptAndSafe()).reshape(1, -1);
                NDArray logits = model.forward(pass, ids, inputs.options(inputs.safe(i), weights)).logits();
                NDArray nll = TokenLoss.meanNll(logits, ids, example.prompt().length);
                sums.safeNll += nll.getFloat();
                loss = loss.add(Tensors.scale(nll, safeScale));

                int divergence = example.sharedResponsePrefix();
                if (measureUnsafe && divergence < example.unsafe().length) {
                    NDArray unsafeIds = pass.create(example.promptAndUnsafe()).reshape(1, -1);
                    NDArray unsafeLogits = model.forward(pass, unsafeIds, inputs.options(inputs.unsafe(i), weights))
                            .logits();
                    NDArray probabilities = TokenLoss.targetLogProbs(unsafeLogits, unsafeIds,
                            example.prompt().length + divergence).exp().clip(0f, MAX_PROBABILITY);
                    sums.unsafeProbability += probabilities.mean().getFloat();
                    sums.unsafeMeasured++;
                    if (settings.unlikelihoodWeight() > 0) {
                        NDArray unlikelihood = probabilities.neg().add(1f).log().mean().neg();
                        loss = loss.add(Tensors.scale(unlikelihood, unlikelihoodScale));
                        trainable = true;
                    }
                }
            }
            sums.loss += loss.getFloat();
            if (trainable) {
                collector.backward(loss);
            }
        }
    }

    /**
     * Adds the gradient of the locality records' share of the loss, for the records in
     * {@code chunk}: {@code klWeight / M} times each record's
     * {@code KL(P_original || P_edited)} averaged over answer positions, plus
     * {@code firstPositionKlWeight} times the KL at the first answer position, with {@code M} the
     * number of locality records. Without {@link EditSettings#klHasGradient()} it only adds the value.
     */
    private void backwardLocality(NDManager pass, TrainableWeights slices, LayerInputCache inputs,
            List<LocalityExample> locality, List<Integer> chunk, List<NDArray> reference,
            List<NDArray> referenceProbabilities, EditSettings settings, StepSums sums, ProgressListener progress) {
        try (GradientCollector collector = settings.klHasGradient()
                ? Engine.getInstance().newGradientCollector() : null) {
            EditedWeights weights = slices.forStep(pass);
            NDArray total = pass.zeros(new Shape());
            for (int i : chunk) {
                progress.checkCancelled();
                LocalityExample example = locality.get(i);
                NDArray ids = pass.create(example.promptAndAnswer()).reshape(1, -1);
                NDArray logits = model.forward(pass, ids, inputs.options(inputs.locality(i), weights)).logits();
                NDArray edited = answerLogProbs(logits, example);
                // Operations start from the edited array so that results belong to this pass's scope.
                NDArray perPosition = edited.neg().add(reference.get(i)).mul(referenceProbabilities.get(i))
                        .sum(new int[] {-1});
                NDArray kl = perPosition.mean();
                if (settings.firstPositionKlWeight() > 0) {
                    kl = kl.add(Tensors.scale(perPosition.get(0), settings.firstPositionKlWeight()));
                }
                total = total.add(kl);
            }
            NDArray mean = Tensors.scale(total, 1.0 / locality.size());
            sums.kl += mean.getFloat();
            NDArray term = Tensors.scale(mean, settings.klWeight());
            sums.loss += term.getFloat();
            if (collector != null) {
                collector.backward(term);
            }
        }
    }

    /**
     * Splits records {@code 0..count-1}, in order, into groups whose token count stays within
     * {@link #tokensPerPass()}, so that one backward pass keeps the activations of one group only.
     * A record longer than the limit forms a group of its own.
     */
    private List<List<Integer>> chunks(int count, java.util.function.IntUnaryOperator tokensOf) {
        int limit = tokensPerPass();
        List<List<Integer>> out = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        long tokens = 0;
        for (int i = 0; i < count; i++) {
            int recordTokens = tokensOf.applyAsInt(i);
            if (!current.isEmpty() && tokens + recordTokens > limit) {
                out.add(current);
                current = new ArrayList<>();
                tokens = 0;
            }
            current.add(i);
            tokens += recordTokens;
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    /**
     * Returns how many tokens one backward pass may cover. The vocabulary-wide float32 arrays of
     * the loss dominate its memory: the logits, their log-softmax and the gradients of both, about
     * {@value #VOCABULARY_ARRAYS_PER_TOKEN} vocabulary-sized rows per token. The limit keeps them
     * near {@value #PASS_BYTES} bytes: about 1000 tokens for a 32000-token vocabulary, 260 for
     * Llama 3's 128256, and every record at once for the demo model's 512.
     */
    int tokensPerPass() {
        long bytesPerToken = (long) model.config().vocabSize() * Float.BYTES * VOCABULARY_ARRAYS_PER_TOKEN;
        return (int) Math.max(MIN_TOKENS_PER_PASS, Math.min(Integer.MAX_VALUE, PASS_BYTES / bytesPerToken));
    }
}
