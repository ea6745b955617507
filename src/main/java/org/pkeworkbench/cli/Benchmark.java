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
import java.util.Optional;
import java.util.SplittableRandom;
import org.pkeworkbench.edit.EditExample;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.edit.LocalityExample;
import org.pkeworkbench.edit.MaskedEditor;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.locate.Locator;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.ComputeDType;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.DeviceMemory;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.KvCache;
import org.pkeworkbench.model.LibtorchProbe;
import org.pkeworkbench.model.MklCodePath;
import org.pkeworkbench.model.NativeMemoryTuning;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.RowBlockProduct;
import org.pkeworkbench.model.RunEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures one model: load time, prefill and KV-cached decode throughput of
 * {@link DecoderModel#forward} and of {@link DirectLlama}, decode against the memory-bandwidth
 * bound, one locate pass, an edit step with and without cached layer inputs, and memory. Every
 * timed operation runs {@code warmupRuns} times untimed and then {@code repeats} times, and the
 * median is reported. Token ids are drawn from a seeded generator, so no tokenizer is needed.
 *
 * <p>Results are a flat map of JSON-ready values; the keys are listed in {@link #KEYS}.
 */
final class Benchmark {

    private static final Logger LOG = LoggerFactory.getLogger(Benchmark.class);

    /** Keys of the result map, in output order. Values that could not be measured are null. */
    static final List<String> KEYS = List.of("model", "device", "dtype", "libtorch", "environment", "parameters",
            "random_llama", "seed", "prompt_tokens", "decode_tokens",
            "warmup_runs", "repeats", "load_seconds", "load_bytes", "load_bytes_per_second", "prefill_tokens_per_second",
            "decode_tokens_per_second", "direct_prefill_tokens_per_second", "direct_decode_tokens_per_second",
            "prefill_ratio", "decode_ratio", "max_abs_logit_difference", "direct_baseline_error",
            "read_bandwidth_bytes_per_second", "decode_weight_bytes", "decode_seconds_per_token",
            "decode_bound_seconds_per_token", "decode_to_bound_ratio", "row_block_products", "mkl_code_path",
            "locate_seconds", "edit_layers", "edit_neurons_per_layer", "edit_steps", "edit_step_seconds",
            "edit_step_full_recompute_seconds", "edit_step_speedup", "f32_weight_bytes", "resident_before_load_bytes", "inference_peak_resident_bytes",
            "inference_peak_to_weights_ratio", "inference_growth_to_weights_ratio", "inference_resident_anonymous_bytes",
            "inference_resident_file_bytes", "edit_records", "record_tokens", "locate_peak_growth_bytes",
            "edit_peak_growth_bytes", "edit_full_recompute_peak_growth_bytes", "gpu_memory_after_inference_bytes", "gpu_memory_after_edit_bytes",
            "gpu_memory_total_bytes", "peak_heap_bytes", "peak_resident_bytes", "resident_bytes", "run_seconds");

    /** The edit comparison trains this many neurons in each of the last {@value #EDITED_LAYERS} layers. */
    private static final int EDIT_NEURONS = 32;
    private static final int EDITED_LAYERS = 2;
    /** Steps per timed edit; the reported step time is the mean over them. */
    private static final int EDIT_STEPS = 3;

    private final Path modelDir;
    private final Device device;
    private final ComputeDType dtype;
    private final int promptTokens;
    private final int decodeTokens;
    private final int warmupRuns;
    private final int repeats;
    private final long seed;
    private final Workload workload;
    /** The largest VmHWM read before a memory window reset it, so the run's peak stays known. */
    private Long runPeakResident;
    /** Seconds of every timed run, by measurement, in run order: the spread behind each median. */
    private final Map<String, double[]> runSeconds = new LinkedHashMap<>();

    /**
     * The synthetic records that locate and the edit steps run on.
     *
     * @param records edit records; the first is also the one locality record
     * @param recordTokens tokens of each record: a third of them (at least one) is the response, the rest the prompt
     */
    record Workload(int records, int recordTokens) {

        int responseTokens() {
            return Math.max(1, recordTokens / 3);
        }

        int promptTokens() {
            return recordTokens - responseTokens();
        }
    }

    /**
     * Creates a benchmark of the model in {@code modelDir}.
     *
     * @param warmupRuns untimed runs of each operation before its timed ones. More of them let the
     *     JIT compiler finish with the hot Java methods before the clock starts.
     * @param repeats timed runs of each operation
     */
    Benchmark(Path modelDir, Device device, ComputeDType dtype, int promptTokens, int decodeTokens, int warmupRuns,
            int repeats, long seed, Workload workload) {
        this.modelDir = modelDir;
        this.device = device;
        this.dtype = dtype;
        this.promptTokens = promptTokens;
        this.decodeTokens = decodeTokens;
        this.warmupRuns = warmupRuns;
        this.repeats = repeats;
        this.seed = seed;
        this.workload = workload;
    }

    /**
     * Runs every measurement and logs the results.
     *
     * @param randomModel the sizes of the random model that {@code bench --random-llama} wrote, or null
     */
    Map<String, Object> run(Map<String, Object> randomModel) throws IOException {
        Autograd.disableOnThisThread();
        Map<String, Object> results = new LinkedHashMap<>();
        KEYS.forEach(key -> results.put(key, null));
        results.put("model", modelDir.toString());
        results.put("device", device.toString());
        results.put("dtype", dtype.label());
        results.put("libtorch", LibtorchProbe.summary());
        results.put("environment", RunEnvironment.describe());
        results.put("random_llama", randomModel);
        results.put("seed", seed);
        results.put("prompt_tokens", promptTokens);
        results.put("decode_tokens", decodeTokens);
        results.put("warmup_runs", warmupRuns);
        results.put("repeats", repeats);
        results.put("edit_records", workload.records());
        results.put("record_tokens", workload.recordTokens());
        results.put("row_block_products", dtype == ComputeDType.FLOAT32 && RowBlockProduct.appliesOn(device));
        results.put("mkl_code_path", MklCodePath.apply());

        // NOTE: on the CPU, F32 weights are memory-mapped without a copy, so this times header parsing
        // and mapping. Pages are read on first use, from the page cache when the files are warm.
        long bytes = safetensorsBytes();
        double loadSeconds = median("load", () -> DecoderModel.load(modelDir, device, dtype).close());
        results.put("load_seconds", loadSeconds);
        results.put("load_bytes", bytes);
        results.put("load_bytes_per_second", bytes / loadSeconds);

        // The peak before the load (writing a random model, say) is left out of every memory row.
        MemoryWindow inference = MemoryWindow.start();
        try (DecoderModel model = DecoderModel.load(modelDir, device, dtype);
                NDManager scope = model.manager().newSubManager()) {
            results.put("parameters", model.parameterCount());
            long[] prompt = randomIds(new SplittableRandom(seed), promptTokens, model.config().vocabSize());

            // The memory window covers the load and one prefill and decode of the project alone. The
            // direct implementation runs after it, and its buffers are not counted.
            LOG.info("Bench: one untimed prefill and decode for the inference memory peak");
            projectPrefill(model, scope, prompt);
            projectDecode(model, scope, prompt);
            recordInferenceMemory(model, inference, results);
            measureForward(model, scope, prompt, results);
            measureDecodeBound(model, scope, results);

            List<EditExample> examples = editExamples(model.config().vocabSize());
            MemoryWindow locate = startMemoryWindow();
            results.put("locate_seconds", median("locate", () -> new Locator(model)
                    .locate(examples, locateSettings(model), ProgressListener.NONE)));
            results.put("locate_peak_growth_bytes", locate.peakGrowth());
            measureEditStep(model, examples, results);
            DeviceMemory.read(device).ifPresent(gpu -> {
                results.put("gpu_memory_after_edit_bytes", gpu.usedBytes());
                results.put("gpu_memory_total_bytes", gpu.totalBytes());
            });
        }
        results.put("run_seconds", runSeconds);

        notePeakResident();
        MemoryReadings memory = MemoryReadings.read();
        results.put("peak_heap_bytes", memory.peakHeapBytes());
        results.put("peak_resident_bytes", runPeakResident);
        results.put("resident_bytes", memory.residentBytes());
        Map<String, Object> logged = new LinkedHashMap<>(results);
        Map<String, String> runs = new LinkedHashMap<>();
        runSeconds.forEach((name, seconds) -> runs.put(name, java.util.Arrays.toString(seconds)));
        logged.put("run_seconds", runs);
        // The table and --json contain the results, so the whole map goes only to the debug log.
        LOG.info("Benchmark of {} on {} finished", modelDir, device);
        LOG.debug("Benchmark of {} on {}: {}", modelDir, device, logged);
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
            double prefill = median("prefill", () -> projectPrefill(model, scope, prompt));
            double decode = medianOfMeasured("decode", () -> projectDecode(model, scope, prompt));
            results.put("prefill_tokens_per_second", promptTokens / prefill);
            results.put("decode_tokens_per_second", decodeTokens / decode);
            return;
        }

        DirectLlama baseline = direct;
        results.put("max_abs_logit_difference", maxAbsLogitDifference(model, baseline, scope, prompt));
        double[] prefill = medianPair("prefill", "direct_prefill",
                () -> seconds(() -> projectPrefill(model, scope, prompt)),
                () -> seconds(() -> directPrefill(baseline, scope, prompt)));
        double[] decode = medianPair("decode", "direct_decode",
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

    /**
     * Records the peak resident set size of loading and inference (one prefill and one decode of
     * the project's forward pass) against the model's FLOAT32 weight bytes. The peak counts from
     * just before the load where {@code /proc/self/clear_refs} could reset it, and is left out otherwise.
     */
    private static void recordInferenceMemory(DecoderModel model, MemoryWindow window, Map<String, Object> results) {
        long weightBytes = model.parameterCount() * Float.BYTES;
        results.put("f32_weight_bytes", weightBytes);
        results.put("resident_before_load_bytes", window.residentBytes());
        MemoryReadings afterInference = MemoryReadings.read();
        results.put("inference_resident_anonymous_bytes", afterInference.residentAnonymousBytes());
        results.put("inference_resident_file_bytes", afterInference.residentFileBytes());
        DeviceMemory.read(model.device()).ifPresent(gpu -> results.put("gpu_memory_after_inference_bytes",
                gpu.usedBytes()));
        Long peak = window.peak();
        if (peak == null) {
            return;
        }
        results.put("inference_peak_resident_bytes", peak);
        results.put("inference_peak_to_weights_ratio", (double) peak / weightBytes);
        Long growth = window.peakGrowth();
        if (growth != null) {
            results.put("inference_growth_to_weights_ratio", (double) growth / weightBytes);
        }
    }

    /** Measures read bandwidth and compares the decode time per token with weight bytes / bandwidth. */
    private void measureDecodeBound(DecoderModel model, NDManager scope, Map<String, Object> results) {
        double bandwidth = MemoryBandwidth.measureReadBytesPerSecond(scope, Math.max(repeats, 5));
        long bytes = MemoryBandwidth.decodeWeightBytes(model);
        double bound = bytes / bandwidth;
        double perToken = 1 / ((Number) results.get("decode_tokens_per_second")).doubleValue();
        results.put("read_bandwidth_bytes_per_second", bandwidth);
        results.put("decode_weight_bytes", bytes);
        results.put("decode_seconds_per_token", perToken);
        results.put("decode_bound_seconds_per_token", bound);
        results.put("decode_to_bound_ratio", perToken / bound);
    }

    /**
     * Times edit steps on fixed hot spots in the last {@value #EDITED_LAYERS} layers, once with the
     * inputs of the first edited layer cached (the default) and once recomputing every layer in
     * every step. Each run has {@value #EDIT_STEPS} steps; the time per step excludes the passes
     * before the first step.
     */
    private void measureEditStep(DecoderModel model, List<EditExample> examples, Map<String, Object> results) {
        List<HotSpot> hotSpots = upperLayerHotSpots(model);
        List<LocalityExample> locality = List.of(new LocalityExample(examples.get(0).prompt(),
                examples.get(0).safe()));
        EditSettings cached = EditSettings.pkeDefaults().withSteps(EDIT_STEPS);
        EditSettings full = cached.withFullRecomputation(true);
        // Each run has its own memory window, so each mode gets its own peak.
        LargestGrowth cachedGrowth = new LargestGrowth();
        LargestGrowth fullGrowth = new LargestGrowth();
        double[] seconds = medianPair("edit_step", "edit_step_full_recompute",
                () -> secondsPerStep(model, examples, locality, hotSpots, cached, cachedGrowth),
                () -> secondsPerStep(model, examples, locality, hotSpots, full, fullGrowth));
        results.put("edit_peak_growth_bytes", cachedGrowth.bytes);
        results.put("edit_full_recompute_peak_growth_bytes", fullGrowth.bytes);
        results.put("edit_layers", hotSpots.stream().map(HotSpot::layer).toList());
        results.put("edit_neurons_per_layer", hotSpots.get(0).neurons().size());
        results.put("edit_steps", EDIT_STEPS);
        results.put("edit_step_seconds", seconds[0]);
        results.put("edit_step_full_recompute_seconds", seconds[1]);
        // With the first edited layer at 0 both modes run every layer, so there is no speedup to report.
        boolean reuses = hotSpots.stream().mapToInt(HotSpot::layer).min().orElse(0) > 0;
        results.put("edit_step_speedup", reuses ? seconds[1] / seconds[0] : null);
    }

    /** Runs one edit, adds its peak resident growth to {@code growth}, and returns its seconds per step. */
    private double secondsPerStep(DecoderModel model, List<EditExample> examples, List<LocalityExample> locality,
            List<HotSpot> hotSpots, EditSettings settings, LargestGrowth growth) {
        MemoryWindow window = startMemoryWindow();
        MaskedEditor.EditRun run = new MaskedEditor(model).edit(examples, locality, hotSpots, settings,
                ProgressListener.NONE);
        growth.add(window.peakGrowth());
        notePeakResident();
        run.delta().close();
        return run.stepSeconds() / run.stepsRun();
    }

    /** The largest peak resident growth of several runs, in bytes; null while none was measured. */
    private static final class LargestGrowth {
        Long bytes;

        void add(Long growth) {
            if (growth != null && (bytes == null || growth > bytes)) {
                bytes = growth;
            }
        }
    }

    /** Hot spots of {@value #EDIT_NEURONS} seeded random neurons in each of the last {@value #EDITED_LAYERS} layers. */
    private List<HotSpot> upperLayerHotSpots(DecoderModel model) {
        int layers = model.config().numLayers();
        SplittableRandom random = new SplittableRandom(seed + 2);
        List<HotSpot> spots = new ArrayList<>();
        for (int layer = Math.max(0, layers - EDITED_LAYERS); layer < layers; layer++) {
            int width = (int) model.parameter(model.mlpLayout(layer).down()).getShape()
                    .get(model.mlpLayout(layer).downNeuronAxis());
            java.util.TreeSet<Integer> neurons = new java.util.TreeSet<>();
            while (neurons.size() < Math.min(EDIT_NEURONS, width)) {
                neurons.add(random.nextInt(width));
            }
            spots.add(new HotSpot(layer, List.copyOf(neurons)));
        }
        return spots;
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
                stopIfInterrupted();
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
                stopIfInterrupted();
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

    /**
     * Returns what is wrong with the token counts for a model of {@code positions} positions, or
     * empty. A decode run feeds the prompt and then one token per step, so it needs their sum. A
     * record runs with its safe or its unsafe response, so its length is the longest sequence of
     * locate and the edit steps.
     *
     * @param model "the model's" or "the random model's", for the message
     */
    static Optional<String> lengthProblem(int positions, String model, int promptTokens, int decodeTokens,
            int recordTokens) {
        // In long arithmetic, so that two counts near Integer.MAX_VALUE do not wrap around to a negative sum.
        long needed = (long) promptTokens + decodeTokens;
        if (needed > positions) {
            return Optional.of("--prompt-tokens " + promptTokens + " plus --decode-tokens " + decodeTokens + " needs "
                    + needed + " positions, more than " + model + " " + positions
                    + " (max_position_embeddings); use fewer tokens");
        }
        if (recordTokens > positions) {
            return Optional.of("--record-tokens " + recordTokens + " exceeds " + model + " " + positions
                    + " positions (max_position_embeddings); use fewer tokens");
        }
        return Optional.empty();
    }

    /** Returns the default locate settings with the layer count limited to the model's layers. */
    private static LocateSettings locateSettings(DecoderModel model) {
        LocateSettings defaults = LocateSettings.DEFAULT;
        int layers = Math.min(defaults.layerCount(), model.config().numLayers());
        return new LocateSettings(layers, defaults.selection(), defaults.selectionValue(),
                defaults.hiddenDifferenceWeight(), defaults.gradientWeight(), defaults.logitLensWeight());
    }

    /**
     * A memory window: the resident size when it started and whether VmHWM was reset then.
     *
     * @param residentBytes VmRSS at the start, null where unknown
     * @param reset whether VmHWM now counts from the start
     */
    private record MemoryWindow(Long residentBytes, boolean reset) {

        /**
         * Returns freed native memory to the system, reads VmRSS, then resets VmHWM where the
         * system allows it. Without the trim, buffers that earlier steps freed (the converted
         * weights of the timed loads, for one) stayed resident and raised every later reading.
         */
        static MemoryWindow start() {
            NativeMemoryTuning.trimFreeMemory();
            Long resident = MemoryReadings.read().residentBytes();
            return new MemoryWindow(resident, MemoryReadings.resetPeakResident());
        }

        /** Returns the peak resident size since the window started; null where unknown. */
        Long peak() {
            return reset ? MemoryReadings.read().peakResidentBytes() : null;
        }

        /** Returns the window's peak minus the resident size at its start; null where unknown. */
        Long peakGrowth() {
            Long peak = peak();
            return peak != null && residentBytes != null ? peak - residentBytes : null;
        }
    }

    /** Starts a memory window after the inference one, keeping the peak so far for the run's total. */
    private MemoryWindow startMemoryWindow() {
        notePeakResident();
        return MemoryWindow.start();
    }

    private void notePeakResident() {
        Long peak = MemoryReadings.read().peakResidentBytes();
        if (peak != null) {
            runPeakResident = runPeakResident == null ? peak : Math.max(runPeakResident, peak);
        }
    }

    /** The workload's edit records of random ids, with safe and unsafe responses that differ from the first token. */
    private List<EditExample> editExamples(int vocab) {
        SplittableRandom random = new SplittableRandom(seed + 1);
        List<EditExample> examples = new ArrayList<>();
        for (int i = 0; i < workload.records(); i++) {
            long[] prompt = randomIds(random, workload.promptTokens(), vocab);
            long[] safe = randomIds(random, workload.responseTokens(), vocab);
            long[] unsafe = randomIds(random, workload.responseTokens(), vocab);
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
     * Runs {@code first} and {@code second} {@code warmupRuns} times each untimed, then {@code repeats}
     * times each, alternating which goes first, and returns their median seconds as {@code [first, second]}.
     */
    private double[] medianPair(String firstName, String secondName, java.util.function.DoubleSupplier first,
            java.util.function.DoubleSupplier second) {
        for (int i = 0; i < warmupRuns; i++) {
            logRun(firstName, "warm-up run", i, warmupRuns, timedRun(first));
            logRun(secondName, "warm-up run", i, warmupRuns, timedRun(second));
        }
        double[] firstSeconds = new double[repeats];
        double[] secondSeconds = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            if (i % 2 == 0) {
                firstSeconds[i] = timedRun(first);
                secondSeconds[i] = timedRun(second);
            } else {
                secondSeconds[i] = timedRun(second);
                firstSeconds[i] = timedRun(first);
            }
            logRun(firstName, "timed run", i, repeats, firstSeconds[i]);
            logRun(secondName, "timed run", i, repeats, secondSeconds[i]);
        }
        runSeconds.put(firstName, firstSeconds);
        runSeconds.put(secondName, secondSeconds);
        return new double[] {median(firstSeconds), median(secondSeconds)};
    }

    /** Stops the benchmark before {@code run} when the thread was interrupted, then returns the seconds it reports. */
    private static double timedRun(java.util.function.DoubleSupplier run) {
        stopIfInterrupted();
        return run.getAsDouble();
    }

    /**
     * Stops the benchmark when Ctrl-C or SIGTERM interrupted the thread. Checked before every run
     * and decode step, so that a benchmark of a large model stops within one step.
     */
    private static void stopIfInterrupted() {
        CommandShutdown.throwIfInterrupted("Benchmark stopped");
    }

    /** Logs one run, so that a long benchmark shows where it is. */
    private static void logRun(String name, String kind, int index, int count, double seconds) {
        LOG.info("Bench {}: {} {} of {} took {} s", name, kind, index + 1, count,
                String.format(java.util.Locale.ROOT, "%.4g", seconds));
    }

    /** A timed operation; {@link #median} times it with {@code System.nanoTime} unless it returns seconds itself. */
    private interface Timed {
        Object run() throws Exception;
    }

    private interface Action {
        void run() throws Exception;
    }

    private double median(String name, Action action) {
        return medianSeconds(name, () -> {
            action.run();
            return null;
        });
    }

    private double medianOfMeasured(String name, java.util.function.DoubleSupplier secondsOfOneRun) {
        return medianSeconds(name, () -> secondsOfOneRun.getAsDouble());
    }

    /**
     * Runs {@code timed} {@code warmupRuns} times untimed and then {@code repeats} times, and returns the median
     * seconds. When {@code timed} returns a {@link Double}, that is the run's own measured seconds.
     */
    private double medianSeconds(String name, Timed timed) {
        double[] seconds = new double[repeats];
        try {
            for (int i = 0; i < warmupRuns; i++) {
                stopIfInterrupted();
                long started = System.nanoTime();
                Object own = timed.run();
                logRun(name, "warm-up run", i, warmupRuns, ownOrElapsed(own, started));
            }
            for (int i = 0; i < repeats; i++) {
                stopIfInterrupted();
                long started = System.nanoTime();
                Object own = timed.run();
                seconds[i] = ownOrElapsed(own, started);
                logRun(name, "timed run", i, repeats, seconds[i]);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (IOException e) {
            // A model that cannot be read keeps its own message, which names the file.
            throw new java.io.UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("Benchmark step failed: " + e.getMessage(), e);
        }
        runSeconds.put(name, seconds);
        return median(seconds);
    }

    /** Returns {@code own} when a run measured its own seconds, else the seconds since {@code startedNanos}. */
    private static double ownOrElapsed(Object own, long startedNanos) {
        return own instanceof Double measured ? measured : (System.nanoTime() - startedNanos) / 1e9;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
