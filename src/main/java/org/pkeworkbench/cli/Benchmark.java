package org.pkeworkbench.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.pkeworkbench.edit.EditExample;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.edit.LocalityExample;
import org.pkeworkbench.edit.MaskedEditor;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.locate.Locator;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.KvCache;
import org.pkeworkbench.model.ModelConfig;
import org.pkeworkbench.model.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures one model: load time, prefill and KV-cached decode throughput of
 * {@link DecoderModel#forward} and of {@link DirectLlama}, one locate pass, one edit step and
 * memory. Every timed operation runs once as a warm-up and then {@code repeats} times; the median
 * is reported. Token ids are drawn from a seeded generator, so no tokenizer is needed.
 *
 * <p>Results are a flat map of JSON-ready values; the keys are listed in {@link #KEYS}.
 */
final class Benchmark {

    private static final Logger LOG = LoggerFactory.getLogger(Benchmark.class);

    /** Keys of the result map, in output order. Values that could not be measured are null. */
    static final List<String> KEYS = List.of("model", "device", "parameters", "prompt_tokens", "decode_tokens",
            "repeats", "load_seconds", "load_bytes", "load_bytes_per_second", "prefill_tokens_per_second",
            "decode_tokens_per_second", "direct_prefill_tokens_per_second", "direct_decode_tokens_per_second",
            "prefill_ratio", "decode_ratio", "max_abs_logit_difference", "direct_baseline_error", "locate_seconds",
            "edit_step_seconds", "peak_heap_bytes", "peak_resident_bytes", "resident_bytes");

    /** Tokens of each synthetic edit record's prompt and of each response. */
    private static final int EDIT_PROMPT_TOKENS = 8;
    private static final int EDIT_RESPONSE_TOKENS = 4;

    private final Path modelDir;
    private final Device device;
    private final int promptTokens;
    private final int decodeTokens;
    private final int repeats;
    private final long seed;

    Benchmark(Path modelDir, Device device, int promptTokens, int decodeTokens, int repeats, long seed) {
        this.modelDir = modelDir;
        this.device = device;
        this.promptTokens = promptTokens;
        this.decodeTokens = decodeTokens;
        this.repeats = repeats;
        this.seed = seed;
    }

    Map<String, Object> run() throws IOException {
        Autograd.disableOnThisThread();
        Map<String, Object> results = new LinkedHashMap<>();
        KEYS.forEach(key -> results.put(key, null));
        results.put("model", modelDir.toString());
        results.put("device", device.toString());
        results.put("prompt_tokens", promptTokens);
        results.put("decode_tokens", decodeTokens);
        results.put("repeats", repeats);

        // NOTE: on the CPU, F32 weights are memory-mapped without a copy, so this times header parsing
        // and mapping. Pages are read on first use, from the page cache when the files are warm.
        checkLengths(ModelConfig.load(modelDir));
        long bytes = safetensorsBytes();
        double loadSeconds = median(() -> DecoderModel.load(modelDir, device).close());
        results.put("load_seconds", loadSeconds);
        results.put("load_bytes", bytes);
        results.put("load_bytes_per_second", bytes / loadSeconds);

        try (DecoderModel model = DecoderModel.load(modelDir, device);
                NDManager scope = model.manager().newSubManager()) {
            results.put("parameters", model.parameterCount());
            long[] prompt = randomIds(new SplittableRandom(seed), promptTokens, model.config().vocabSize());

            measureForward(model, scope, prompt, results);

            List<EditExample> examples = editExamples(model.config().vocabSize());
            List<HotSpot> hotSpots = new ArrayList<>();
            results.put("locate_seconds", median(() -> {
                hotSpots.clear();
                hotSpots.addAll(new Locator(model).locate(examples, locateSettings(model), ProgressListener.NONE)
                        .suggested());
            }));
            List<LocalityExample> locality = List.of(new LocalityExample(examples.get(0).prompt(),
                    examples.get(0).safe()));
            EditSettings oneStep = EditSettings.pkeDefaults().withSteps(1);
            results.put("edit_step_seconds", median(() -> new MaskedEditor(model)
                    .edit(examples, locality, hotSpots, oneStep, ProgressListener.NONE)));
        }

        MemoryReadings memory = MemoryReadings.read();
        results.put("peak_heap_bytes", memory.peakHeapBytes());
        results.put("peak_resident_bytes", memory.peakResidentBytes());
        results.put("resident_bytes", memory.residentBytes());
        LOG.info("Benchmark of {} on {}: {}", modelDir, device, results);
        return results;
    }

    /**
     * Times prefill and decode of the project's forward pass and, where it supports the model, of
     * {@link DirectLlama}. The two implementations take turns within each repeat, so drift over
     * time (JIT compilation, other processes) affects both alike.
     */
    private void measureForward(DecoderModel model, NDManager scope, long[] prompt, Map<String, Object> results) {
        DirectLlama direct = null;
        try {
            direct = new DirectLlama(model);
        } catch (IllegalArgumentException e) {
            LOG.warn("Skipping the direct baseline: {}", e.getMessage());
            results.put("direct_baseline_error", e.getMessage());
        }

        if (direct == null) {
            double prefill = median(() -> projectPrefill(model, scope, prompt));
            double decode = medianOfMeasured(() -> projectDecode(model, scope, prompt));
            results.put("prefill_tokens_per_second", promptTokens / prefill);
            results.put("decode_tokens_per_second", decodeTokens / decode);
            return;
        }

        DirectLlama baseline = direct;
        results.put("max_abs_logit_difference", maxAbsLogitDifference(model, baseline, scope, prompt));
        double[] prefill = medianPair(
                () -> seconds(() -> projectPrefill(model, scope, prompt)),
                () -> seconds(() -> directPrefill(baseline, scope, prompt)));
        double[] decode = medianPair(
                () -> projectDecode(model, scope, prompt),
                () -> directDecode(model, baseline, scope, prompt));
        results.put("prefill_tokens_per_second", promptTokens / prefill[0]);
        results.put("decode_tokens_per_second", decodeTokens / decode[0]);
        results.put("direct_prefill_tokens_per_second", promptTokens / prefill[1]);
        results.put("direct_decode_tokens_per_second", decodeTokens / decode[1]);
        // Throughput ratio project / direct; below 1 means the project's forward pass is slower.
        results.put("prefill_ratio", prefill[1] / prefill[0]);
        results.put("decode_ratio", decode[1] / decode[0]);
    }

    /** Returns the largest absolute difference between the project's and the direct prompt logits, {@code [1, prompt, vocab]}. */
    static double maxAbsLogitDifference(DecoderModel model, DirectLlama direct, NDManager parent, long[] prompt) {
        try (NDManager scope = parent.newSubManager()) {
            NDArray ids = scope.create(prompt).reshape(1, prompt.length);
            NDArray project = model.forward(scope, ids, ForwardOptions.create()).logits();
            NDArray baseline = direct.forward(scope, prompt, null);
            return project.sub(baseline).abs().max().getFloat();
        }
    }

    private static void projectPrefill(DecoderModel model, NDManager parent, long[] prompt) {
        try (NDManager scope = parent.newSubManager()) {
            NDArray ids = scope.create(prompt).reshape(1, prompt.length);
            lastArgmax(model.forward(scope, ids, ForwardOptions.create()).logits());
        }
    }

    private static void directPrefill(DirectLlama direct, NDManager parent, long[] prompt) {
        try (NDManager scope = parent.newSubManager()) {
            lastArgmax(direct.forward(scope, prompt, null));
        }
    }

    /** Prefills a KV cache (untimed), then returns the seconds of {@code decodeTokens} greedy steps. */
    private double projectDecode(DecoderModel model, NDManager parent, long[] prompt) {
        try (NDManager scope = parent.newSubManager();
                KvCache cache = new KvCache(scope, model.config().numLayers())) {
            long next = projectStep(model, scope, cache, prompt);
            long started = System.nanoTime();
            for (int i = 0; i < decodeTokens; i++) {
                next = projectStep(model, scope, cache, new long[] {next});
            }
            return (System.nanoTime() - started) / 1e9;
        }
    }

    private static long projectStep(DecoderModel model, NDManager parent, KvCache cache, long[] ids) {
        try (NDManager step = parent.newSubManager()) {
            NDArray input = step.create(ids).reshape(1, ids.length);
            return lastArgmax(model.forward(step, input, ForwardOptions.create().cache(cache)).logits());
        }
    }

    private double directDecode(DecoderModel model, DirectLlama direct, NDManager parent, long[] prompt) {
        try (NDManager scope = parent.newSubManager();
                DirectLlama.Cache cache = new DirectLlama.Cache(scope, model.config().numLayers())) {
            long next = directStep(direct, scope, cache, prompt);
            long started = System.nanoTime();
            for (int i = 0; i < decodeTokens; i++) {
                next = directStep(direct, scope, cache, new long[] {next});
            }
            return (System.nanoTime() - started) / 1e9;
        }
    }

    private static long directStep(DirectLlama direct, NDManager parent, DirectLlama.Cache cache, long[] ids) {
        try (NDManager step = parent.newSubManager()) {
            return lastArgmax(direct.forward(step, ids, cache));
        }
    }

    /** Returns the greedy next token from logits {@code [1, seq, vocab]}. Reading it back waits for the device. */
    private static long lastArgmax(NDArray logits) {
        long seq = logits.getShape().get(1);
        return logits.get(0).get(seq - 1).argMax().getLong();
    }

    private void checkLengths(ModelConfig config) {
        int positions = config.maxPositions();
        if (promptTokens + decodeTokens + 1 > positions) {
            throw new IllegalArgumentException("--prompt-tokens " + promptTokens + " plus --decode-tokens " + decodeTokens
                    + " exceeds the model's " + positions + " positions (max_position_embeddings); use fewer tokens");
        }
    }

    /** Returns the default locate settings with the layer count limited to the model's layers. */
    private static LocateSettings locateSettings(DecoderModel model) {
        LocateSettings defaults = LocateSettings.DEFAULT;
        int layers = Math.min(defaults.layerCount(), model.config().numLayers());
        return new LocateSettings(layers, defaults.selection(), defaults.selectionValue(),
                defaults.hiddenDifferenceWeight(), defaults.gradientWeight(), defaults.logitLensWeight());
    }

    /** Two edit records of random ids, with safe and unsafe responses that differ from the first token. */
    private List<EditExample> editExamples(int vocab) {
        SplittableRandom random = new SplittableRandom(seed + 1);
        List<EditExample> examples = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            long[] prompt = randomIds(random, EDIT_PROMPT_TOKENS, vocab);
            long[] safe = randomIds(random, EDIT_RESPONSE_TOKENS, vocab);
            long[] unsafe = randomIds(random, EDIT_RESPONSE_TOKENS, vocab);
            if (unsafe[0] == safe[0]) {
                unsafe[0] = safe[0] == 3 ? 4 : 3;
            }
            examples.add(new EditExample(prompt, safe, unsafe));
        }
        return examples;
    }

    /** Random ids from 3 up, skipping the ids that Llama tokenizers reserve for unknown, BOS and EOS. */
    static long[] randomIds(SplittableRandom random, int count, int vocab) {
        long[] ids = new long[count];
        int first = vocab > 3 ? 3 : 0;
        for (int i = 0; i < count; i++) {
            ids[i] = first + random.nextInt(vocab - first);
        }
        return ids;
    }

    private long safetensorsBytes() throws IOException {
        try (var files = Files.list(modelDir)) {
            long total = 0;
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).toList()) {
                total += Files.size(file);
            }
            return total;
        }
    }

    private static double seconds(Runnable action) {
        long started = System.nanoTime();
        action.run();
        return (System.nanoTime() - started) / 1e9;
    }

    /**
     * Runs {@code first} and {@code second} once each as a warm-up, then {@code repeats} times each,
     * alternating which goes first, and returns their median seconds as {@code [first, second]}.
     */
    private double[] medianPair(java.util.function.DoubleSupplier first, java.util.function.DoubleSupplier second) {
        first.getAsDouble();
        second.getAsDouble();
        double[] firstSeconds = new double[repeats];
        double[] secondSeconds = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            if (i % 2 == 0) {
                firstSeconds[i] = first.getAsDouble();
                secondSeconds[i] = second.getAsDouble();
            } else {
                secondSeconds[i] = second.getAsDouble();
                firstSeconds[i] = first.getAsDouble();
            }
        }
        return new double[] {median(firstSeconds), median(secondSeconds)};
    }

    /** A timed operation; {@link #median} times it with {@code System.nanoTime} unless it returns seconds itself. */
    private interface Timed {
        Object run() throws Exception;
    }

    private interface Action {
        void run() throws Exception;
    }

    private double median(Action action) {
        return medianSeconds(() -> {
            action.run();
            return null;
        });
    }

    private double medianOfMeasured(java.util.function.DoubleSupplier secondsOfOneRun) {
        return medianSeconds(() -> secondsOfOneRun.getAsDouble());
    }

    /**
     * Runs {@code timed} once as a warm-up and then {@code repeats} times, and returns the median
     * seconds. When {@code timed} returns a {@link Double}, that is the run's own measured seconds.
     */
    private double medianSeconds(Timed timed) {
        double[] seconds = new double[repeats];
        try {
            timed.run();
            for (int i = 0; i < repeats; i++) {
                long started = System.nanoTime();
                Object own = timed.run();
                seconds[i] = own instanceof Double measured ? measured : (System.nanoTime() - started) / 1e9;
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("Benchmark step failed: " + e.getMessage(), e);
        }
        return median(seconds);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
