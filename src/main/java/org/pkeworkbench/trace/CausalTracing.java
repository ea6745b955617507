package org.pkeworkbench.trace;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.ForwardResult;
import org.pkeworkbench.model.HookPoints;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.Tensors;
import org.pkeworkbench.model.tokenizer.TextTokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Causal tracing (Meng et al. 2022, "Locating and Editing Factual Associations in GPT"): adds
 * Gaussian noise to the prompt's token embeddings, then restores the clean hidden state of one
 * layer at one token and measures how much of the target token's probability at the last prompt
 * position comes back.
 *
 * <p>The default restores {@code resid_post} of one layer at one token; {@link #run(RestoredState, int,
 * TextTokenizer, ProgressListener)} restores MLP or attention outputs over a window of layers.
 *
 * <p>The noisy runs go through the model as one batch of {@code samples} copies of the prompt. An
 * instance holds the clean states and the noise; close it to free them.
 */
public final class CausalTracing implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CausalTracing.class);
    private static final List<String> EMBEDDING_MATRICES = List.of("model.embed_tokens.weight", "wte.weight");

    private final DecoderModel model;
    private final long[] promptIds;
    private final long targetId;
    private final CausalTraceSettings settings;
    private final int corruptTo;
    private final NDManager manager;
    private final NDArray batchIds;
    private final NDArray noise;
    private final Map<RestoredState, NDArray[]> cleanStates = new EnumMap<>(RestoredState.class);
    private final double noiseStd;
    private final double cleanProbability;

    /**
     * Runs the clean pass and draws the noise.
     *
     * @param promptIds prompt tokens; the target is predicted at the last one
     * @param targetId the token whose probability is measured
     */
    public CausalTracing(DecoderModel model, long[] promptIds, long targetId, CausalTraceSettings settings) {
        Autograd.disableOnThisThread();
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("The prompt has no tokens; give a non-empty prompt");
        }
        TokenChecks.checkIds(model, promptIds, "prompt");
        TokenChecks.checkIds(model, new long[] {targetId}, "target");
        this.model = model;
        this.promptIds = promptIds.clone();
        this.targetId = targetId;
        this.settings = settings;
        this.corruptTo = settings.corruptEnd(promptIds.length);
        this.manager = model.manager().newSubManager();
        try {
            int numLayers = model.config().numLayers();
            NDArray cleanIds = manager.create(promptIds).reshape(1, promptIds.length);
            ForwardOptions captures = ForwardOptions.create();
            for (RestoredState state : RestoredState.values()) {
                for (int layer = 0; layer < numLayers; layer++) {
                    captures.capture(state.hookPoint(layer));
                }
            }
            ForwardResult clean = model.forward(manager, cleanIds, captures);
            this.cleanProbability = targetProbability(clean.logits());
            for (RestoredState state : RestoredState.values()) {
                NDArray[] states = new NDArray[numLayers];
                for (int layer = 0; layer < numLayers; layer++) {
                    states[layer] = clean.capture(state.hookPoint(layer));
                }
                cleanStates.put(state, states);
            }

            this.batchIds = cleanIds.repeat(0, settings.samples());
            this.noiseStd = settings.noiseMultiplier() * embeddingStd(model);
            this.noise = drawNoise(cleanStates.get(RestoredState.RESID_POST)[0].getDataType());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public double cleanProbability() {
        return cleanProbability;
    }

    public double noiseStd() {
        return noiseStd;
    }

    /** Runs the noisy batch with nothing restored and returns the mean target probability. */
    public double corruptedProbability() {
        return restoredProbability(Map.of());
    }

    /**
     * Runs the noisy batch with the clean {@code resid_post} restored at the
     * given positions of the given layers.
     *
     * @param restore positions to restore, by layer
     * @return the mean target probability over the samples
     */
    public double restoredProbability(Map<Integer, int[]> restore) {
        return restoredProbability(RestoredState.RESID_POST, restore);
    }

    /**
     * Runs the noisy batch with the clean {@code state} restored at the given
     * positions of the given layers.
     *
     * @param restore positions to restore, by layer
     * @return the mean target probability over the samples
     */
    public double restoredProbability(RestoredState state, Map<Integer, int[]> restore) {
        Autograd.disableOnThisThread();
        try (NDManager scope = manager.newSubManager()) {
            ForwardOptions options = ForwardOptions.create().intervene(HookPoints.EMBED, value -> value.add(noise));
            for (Map.Entry<Integer, int[]> entry : restore.entrySet()) {
                int layer = entry.getKey();
                NDArray mask = positionMask(scope, entry.getValue());
                if (layer < 0 || layer >= model.config().numLayers()) {
                    throw new IllegalArgumentException("Restored layer " + layer + " is outside the model's "
                            + model.config().numLayers() + " layers");
                }
                NDArray clean = cleanStates.get(state)[layer];
                // NOTE: DJL's where does not broadcast, so the mask and the clean state are expanded to the batch.
                options.intervene(state.hookPoint(layer), value -> NDArrays.where(
                        mask.broadcast(value.getShape()), clean.broadcast(value.getShape()), value));
            }
            return targetProbability(model.forward(scope, batchIds, options).logits());
        }
    }

    /** Restores the clean {@code resid_post} of every (layer, prompt token) in turn and returns the full table. */
    public CausalTraceResult run(TextTokenizer tokenizer, ProgressListener progress) {
        return run(RestoredState.RESID_POST, 1, tokenizer, progress);
    }

    /**
     * Restores the clean {@code state} at each prompt token over a window of layers centred on each
     * layer in turn, and returns the full table. Row {@code L} restores layers
     * {@code [L - window / 2, L + window - window / 2)}, clipped to the model's layers.
     *
     * @param window number of layers restored together, at least 1; Meng et al. use 10 for MLP and attention outputs
     */
    public CausalTraceResult run(RestoredState state, int window, TextTokenizer tokenizer, ProgressListener progress) {
        Autograd.disableOnThisThread();
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1 layer, got " + window);
        }
        long started = System.nanoTime();
        int numLayers = model.config().numLayers();
        int tokens = promptIds.length;
        LOG.info("Causal trace started: {} over windows of {} layers, {} layers x {} tokens, {} samples, noise std {}",
                state, window, numLayers, tokens, settings.samples(), noiseStd);

        progress.checkCancelled();
        double corrupted = corruptedProbability();
        double[][] restored = new double[numLayers][tokens];
        double[][] effect = new double[numLayers][tokens];
        for (int layer = 0; layer < numLayers; layer++) {
            for (int token = 0; token < tokens; token++) {
                progress.checkCancelled();
                progress.update((double) (layer * tokens + token) / (numLayers * tokens),
                        "Restoring layer " + layer + ", token " + token);
                restored[layer][token] = restoredProbability(state, windowAround(layer, window, numLayers, token));
                effect[layer][token] = restored[layer][token] - corrupted;
            }
        }
        progress.update(1, "Causal trace done");
        LOG.info("Causal trace finished in {} ms: clean {}, corrupted {}", (System.nanoTime() - started) / 1_000_000,
                cleanProbability, corrupted);

        String targetText = tokenizer == null ? null : tokenizer.decode(new long[] {targetId}, false);
        return new CausalTraceResult(promptIds.clone(), LogitLens.decodeEach(tokenizer, promptIds), targetId, targetText,
                settings.corruptFrom(), corruptTo, noiseStd, state, window, cleanProbability, corrupted, restored,
                effect);
    }

    /** Layers {@code [center - window / 2, center + window - window / 2)} within {@code [0, numLayers)}, each at {@code token}. */
    static Map<Integer, int[]> windowAround(int center, int window, int numLayers, int token) {
        int from = Math.max(0, center - window / 2);
        int to = Math.min(numLayers, center + window - window / 2);
        Map<Integer, int[]> restore = new HashMap<>();
        for (int layer = from; layer < to; layer++) {
            restore.put(layer, new int[] {token});
        }
        return restore;
    }

    @Override
    public void close() {
        manager.close();
    }

    /** Mean over the batch of the target's softmax probability at the last position; logits {@code [batch, seq, vocab]}. */
    private double targetProbability(NDArray logits) {
        long last = logits.getShape().get(1) - 1;
        NDArray probabilities = logits.get(":, {}, :", last).toType(DataType.FLOAT32, false).softmax(-1);
        float[] target = probabilities.get(":, {}", targetId).toFloatArray();
        double sum = 0;
        for (float value : target) {
            sum += value;
        }
        return sum / target.length;
    }

    /** Boolean {@code [1, seq, 1]}, true at {@code positions}. */
    private NDArray positionMask(NDManager scope, int[] positions) {
        boolean[] flags = new boolean[promptIds.length];
        for (int position : positions) {
            if (position < 0 || position >= flags.length) {
                throw new IllegalArgumentException("Restored position " + position + " is outside the prompt of "
                        + flags.length + " tokens");
            }
            flags[position] = true;
        }
        return scope.create(flags).reshape(1, flags.length, 1).toDevice(model.device(), false);
    }

    /** Gaussian noise {@code [samples, seq, hidden]} with {@link #noiseStd}, zero outside the corrupted range. */
    private NDArray drawNoise(DataType type) {
        int samples = settings.samples();
        int seq = promptIds.length;
        int hidden = model.config().hiddenSize();
        Random random = new Random(settings.seed());
        float[] values = new float[samples * seq * hidden];
        for (int sample = 0; sample < samples; sample++) {
            for (int position = settings.corruptFrom(); position < corruptTo; position++) {
                int offset = (sample * seq + position) * hidden;
                for (int i = 0; i < hidden; i++) {
                    values[offset + i] = (float) (random.nextGaussian() * noiseStd);
                }
            }
        }
        NDArray owned = Tensors.owned(manager.create(values, new Shape(samples, seq, hidden)));
        return owned.toDevice(model.device(), false).toType(type, false);
    }

    /** Population standard deviation of all entries of the token embedding matrix. */
    static double embeddingStd(DecoderModel model) {
        String name = EMBEDDING_MATRICES.stream().filter(model.parameterNames()::contains).findFirst()
                .orElseThrow(() -> new IllegalStateException("No token embedding matrix found among the parameters of "
                        + model.directory() + "; expected one of " + EMBEDDING_MATRICES));
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray table = model.parameter(name).toType(DataType.FLOAT32, true);
            table.attach(scope);
            NDArray centred = table.sub(table.mean());
            return Math.sqrt(centred.mul(centred).mean().getFloat());
        }
    }
}
