package org.pkeworkbench.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Autoregressive decoding with a KV cache: one forward pass over the prompt, then one position per
 * new token.
 */
public final class Generator {

    private static final Logger LOG = LoggerFactory.getLogger(Generator.class);

    private final DecoderModel model;

    public Generator(DecoderModel model) {
        this.model = model;
    }

    /** Generates after {@code promptIds} and returns only the new token ids, stop token excluded. */
    public long[] generate(long[] promptIds, SamplingSettings settings) {
        return generate(promptIds, settings, ForwardOptions::create, () -> false);
    }

    /**
     * Generates with extra forward options (weight overrides, interventions) built fresh for each
     * step by {@code options}, checking {@code cancelled} between tokens.
     *
     * @throws CancellationException when {@code cancelled} becomes true
     */
    public long[] generate(long[] promptIds, SamplingSettings settings,
            java.util.function.Supplier<ForwardOptions> options, BooleanSupplier cancelled) {
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("The prompt must hold at least one token (use BOS for an empty prompt)");
        }
        Autograd.disableOnThisThread();
        Random random = new Random(settings.seed());
        List<Long> generated = new ArrayList<>();
        try (NDManager scope = model.manager().newSubManager();
                KvCache cache = new KvCache(scope, model.config().numLayers())) {
            long[] next = promptIds;
            while (generated.size() < settings.maxNewTokens()) {
                if (cancelled.getAsBoolean()) {
                    throw new CancellationException("Generation cancelled after " + generated.size() + " tokens");
                }
                long token;
                try (NDManager step = scope.newSubManager()) {
                    NDArray ids = step.create(next).reshape(1, next.length);
                    NDArray logits = model.forward(step, ids, options.get().cache(cache)).logits();
                    float[] last = logits.get(0).get(next.length - 1).toFloatArray();
                    token = settings.isGreedy() ? argmax(last) : sample(last, settings, random);
                }
                if (settings.stopTokens().contains(token)) {
                    break;
                }
                generated.add(token);
                if (cache.length() >= model.config().maxPositions() && model.config().architecture() == Architecture.GPT2) {
                    if (generated.size() < settings.maxNewTokens()) {
                        LOG.warn("Generation stopped after {} of up to {} new tokens: the prompt and the answer fill "
                                + "this GPT-2 model's {} learned positions (n_positions)", generated.size(),
                                settings.maxNewTokens(), model.config().maxPositions());
                    }
                    break;
                }
                next = new long[] {token};
            }
        }
        return generated.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * Generates after each of {@code prompts} in one batch and returns each row's new token ids,
     * stop token excluded, in prompt order. Greedy rows pick the argmax of their own logits, and
     * sampled rows each draw from their own {@code Random} seeded with {@code settings.seed()}, so a
     * row matches {@link #generate} on that prompt alone up to float rounding of the batched kernels.
     * {@code options} must not hold an attention mask or cache (the batch sets both), and its
     * interventions see {@code [batch, seq, ...]} values with left padding.
     *
     * @throws CancellationException when {@code cancelled} becomes true
     */
    public List<long[]> generateBatch(List<long[]> prompts, SamplingSettings settings,
            java.util.function.Supplier<ForwardOptions> options, BooleanSupplier cancelled) {
        return new BatchGenerator(model).generate(prompts, settings, options, cancelled);
    }

    /** Index of the largest value; the first one on ties, as {@code torch.argmax} returns. */
    static long argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    static long sample(float[] logits, SamplingSettings settings, Random random) {
        int vocab = logits.length;
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int keep = settings.topK() > 0 ? Math.min(settings.topK(), vocab) : vocab;

        double max = logits[order[0]];
        double[] weights = new double[keep];
        double total = 0;
        for (int i = 0; i < keep; i++) {
            weights[i] = Math.exp((logits[order[i]] - max) / settings.temperature());
            total += weights[i];
        }
        // Top-p: keep the shortest prefix of the sorted tokens whose probability mass reaches p.
        double cumulative = 0;
        int nucleus = keep;
        for (int i = 0; i < keep; i++) {
            cumulative += weights[i] / total;
            if (cumulative >= settings.topP()) {
                nucleus = i + 1;
                break;
            }
        }
        double kept = 0;
        for (int i = 0; i < nucleus; i++) {
            kept += weights[i];
        }
        double draw = random.nextDouble() * kept;
        for (int i = 0; i < nucleus; i++) {
            draw -= weights[i];
            if (draw <= 0) {
                return order[i];
            }
        }
        return order[nucleus - 1];
    }
}
