package org.pkeworkbench.cli;

import ai.djl.Device;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pkeworkbench.model.ModelConfig;
import org.pkeworkbench.model.RowBlockProduct;
import org.pkeworkbench.model.io.DirectoryTrees;
import org.pkeworkbench.model.io.ShutdownDeletion;
import org.pkeworkbench.model.io.StoredDType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: measures load, prefill, decode, locate and edit times of a model directory or of
 * a generated random-weight Llama, next to a direct DJL forward pass with the same weights, and
 * prints a table (optionally JSON).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure load, prefill, decode, locate and one edit step, and compare the forward pass "
                + "with a direct DJL implementation.")
final class BenchCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(BenchCommand.class);

    @Spec
    CommandSpec spec;

    static final class Source {
        @Option(names = "--model", converter = PathOptions.ModelFolder.class,
                required = true, description = "Hugging Face model directory to measure.")
        Path model;

        @Option(names = "--random-llama", required = true,
                description = "Generate a random-weight Llama with the --hidden, --layers, ... sizes and measure it.")
        boolean randomLlama;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--hidden", defaultValue = "1024", description = "Random model: hidden size (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--layers", defaultValue = "8", description = "Random model: decoder layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--intermediate", defaultValue = "2816",
            description = "Random model: MLP width (default: ${DEFAULT-VALUE}).")
    int intermediate;

    @Option(names = "--heads", defaultValue = "16", description = "Random model: attention heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--kv-heads", description = "Random model: key/value heads (default: the --heads value).")
    Integer kvHeads;

    @Option(names = "--vocab", defaultValue = "32000", description = "Random model: vocabulary size (default: ${DEFAULT-VALUE}).")
    int vocab;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the random weights and token ids "
            + "(default: ${DEFAULT-VALUE}).")
    long seed;

        @Option(names = "--weights-dtype", defaultValue = "float32", description = "Random model: type of the "
            + "written weights, float32, float16 or bfloat16 (default: ${DEFAULT-VALUE}). Models over 1 GiB are "
            + "written as one shard per layer.")
    String weightsDtype;

    @Option(names = "--out", converter = PathOptions.OutputPath.class,
            description = "Random model: keep it in this new directory (default: a temporary "
            + "directory, deleted at the end).")
    Path out;

    @Mixin
    DeviceOptions devices = new DeviceOptions();

    @Option(names = "--prompt-tokens", defaultValue = "128", description = "Prefill length in tokens (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--decode-tokens", defaultValue = "64",
            description = "Tokens generated with the KV cache per decode run (default: ${DEFAULT-VALUE}).")
    int decodeTokens;

    @Option(names = "--warmup-runs", defaultValue = "1",
            description = "Untimed runs of each measurement before the timed ones (default: ${DEFAULT-VALUE}).")
    int warmupRuns;

    @Option(names = "--repeats", defaultValue = "3",
            description = "Timed runs after the warm-up runs; the median is reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--edit-records", defaultValue = "2", description = "Synthetic edit records of random ids that "
            + "locate and the edit steps run on (default: ${DEFAULT-VALUE}).")
    int editRecords;

    @Option(names = "--record-tokens", defaultValue = "12", description = "Tokens of each edit record, a third of "
            + "them the response (default: ${DEFAULT-VALUE}).")
    int recordTokens;

    @Option(names = "--json", converter = PathOptions.OutputPath.class,
            description = "Also write the results to this JSON file (replaced if it exists).")
    Path json;

    /** Options that describe the random model, so that they mean nothing with --model. */
    private static final List<String> RANDOM_MODEL_OPTIONS = List.of("--hidden", "--layers", "--intermediate",
            "--heads", "--kv-heads", "--vocab", "--weights-dtype", "--out");

    @Override
    public Integer call() throws Exception {
        checkCounts();
        checkRandomModelOptions();
        checkLengths();
        StoredDType stored = storedDType();
        if (json != null) {
            JsonOutput.checkOutputFile(json, source.model, true);
        }
        if (out != null) {
            JsonOutput.checkFolders(out, out.toAbsolutePath().normalize().getParent());
            JsonOutput.checkDistinct(List.of(), java.util.Arrays.asList(out, json));
            JsonOutput.checkOutsideFolder("--out", out, json);
        }
        RandomLlama random = source.randomLlama ? randomLlama() : null;
        // Resolved before a random model is written, so that a missing GPU fails at once.
        Device resolved = devices.resolve();

        Path temporary = null;
        Path modelDir = source.model;
        if (random != null) {
            if (out == null) {
                Path parent = Path.of(System.getProperty("java.io.tmpdir"));
                BenchTemporaryFolder.deleteAbandoned(parent);
                temporary = BenchTemporaryFolder.create(parent);
                modelDir = temporary.resolve("random-llama");
            } else {
                modelDir = out;
            }
        }
        ShutdownDeletion guard = temporary == null ? null : ShutdownDeletion.of(temporary);
        try {
            if (random != null) {
                random.write(modelDir, stored);
                // Writing left garbage on the heap. A full collection lets the JVM give that heap back,
                // so that less of it counts in the memory rows.
                System.gc();
            }
            run(modelDir, resolved, random == null ? null : random.description(weightsDtype.toLowerCase(Locale.ROOT)));
            if (temporary != null) {
                spec.commandLine().getOut().println("The random model was in a temporary folder, which is deleted now; "
                        + "--out DIR keeps it");
            }
        } finally {
            if (temporary != null) {
                DirectoryTrees.delete(temporary);
                guard.close();
            }
        }
        return 0;
    }

    /**
     * Runs the benchmark, then prints and writes its results. {@code randomModel} describes the
     * random model written by this run, or is null for {@code --model}.
     */
    private void run(Path modelDir, Device resolved, Map<String, Object> randomModel) throws IOException {
        LOG.info("Benchmark of {} starts", modelDir);
        Map<String, Object> results;
        try {
            results = new Benchmark(modelDir, resolved, devices.dtype(), promptTokens, decodeTokens, warmupRuns, repeats,
                    seed,
                    new Benchmark.Workload(editRecords, recordTokens)).run(randomModel);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        printTable(spec.commandLine().getOut(), results);
        if (json != null) {
            JsonOutput.write(json, results);
            spec.commandLine().getOut().println("Results written to " + json);
        }
    }

    private void checkCounts() {
        OptionValues.atLeast(spec, "--prompt-tokens", promptTokens, 1);
        OptionValues.atLeast(spec, "--decode-tokens", decodeTokens, 1);
        OptionValues.atLeast(spec, "--warmup-runs", warmupRuns, 0);
        OptionValues.atLeast(spec, "--repeats", repeats, 1);
        OptionValues.atLeast(spec, "--edit-records", editRecords, 1);
        // A record needs a prompt token and a response token.
        OptionValues.atLeast(spec, "--record-tokens", recordTokens, 2);
    }

    /**
     * Rejects random-model options next to --model, which they would not change, and an --out
     * that exists, before a model is written.
     */
    private void checkRandomModelOptions() {
        if (source.model != null) {
            for (String option : RANDOM_MODEL_OPTIONS) {
                if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                    throw new ParameterException(spec.commandLine(), option + " describes the model that "
                            + "--random-llama writes, and --model measures its folder as it is; remove " + option);
                }
            }
        }
        if (out != null && Files.exists(out)) {
            String kind = Files.isDirectory(out) ? "a folder" : "a file";
            throw new ParameterException(spec.commandLine(), "--out " + out + " already exists (" + kind
                    + "); choose a new folder for the random model");
        }
        Path name = out == null ? null : out.toAbsolutePath().getFileName();
        if (name != null) {
            Path staging = out.toAbsolutePath().resolveSibling("." + name + ".staging");
            if (Files.exists(staging)) {
                throw new ParameterException(spec.commandLine(), "--out " + out + ": " + staging + " is left from a "
                        + "run that was killed while writing it; remove that folder and retry");
            }
        }
    }

    /**
     * Rejects token counts that do not fit the model's positions, as a usage error before any work.
     * A random model is checked before it is written: every one has {@link RandomLlama#MAX_POSITIONS}.
     * A model folder is checked through its config.json, whose errors are left to the benchmark.
     */
    private void checkLengths() {
        Integer positions = null;
        String model = "the model's";
        if (source.randomLlama) {
            positions = RandomLlama.MAX_POSITIONS;
            model = "the random model's";
        } else {
            try {
                positions = ModelConfig.load(source.model).maxPositions();
            } catch (IOException | RuntimeException e) {
                LOG.debug("config.json of {} not readable yet; the benchmark reports it", source.model, e);
            }
        }
        if (positions != null) {
            Benchmark.lengthProblem(positions, model, promptTokens, decodeTokens, recordTokens).ifPresent(problem -> {
                throw new ParameterException(spec.commandLine(), problem);
            });
        }
    }

    /** Returns the random model that the size options describe, or throws a usage error naming the invalid option. */
    private RandomLlama randomLlama() {
        try {
            return new RandomLlama(vocab, hidden, intermediate, layers, heads, kvHeads == null ? heads : kvHeads, seed);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** Returns the element type that {@code --weights-dtype} names. */
    private StoredDType storedDType() {
        return switch (weightsDtype.toLowerCase(Locale.ROOT)) {
            case "float32" -> StoredDType.F32;
            case "float16" -> StoredDType.F16;
            case "bfloat16" -> StoredDType.BF16;
            default -> throw new ParameterException(spec.commandLine(), "--weights-dtype " + weightsDtype
                    + " is not supported; use float32, float16 or bfloat16");
        };
    }

    static void printTable(PrintWriter writer, Map<String, Object> results) {
        writer.println("Model: " + results.get("model") + " (" + results.get("parameters") + " parameters) on "
                + results.get("device") + " in " + results.get("dtype") + "; " + medians(results.get("repeats")) + " after "
                + warmups(results.get("warmup_runs")));
        row(writer, "measurement", "project", "direct DJL", "ratio");
        row(writer, "load (s)", results.get("load_seconds"), null, null);
        row(writer, "load (MB/s)", scaled(results.get("load_bytes_per_second"), 1e-6), null, null);
        row(writer, "prefill " + results.get("prompt_tokens") + " tokens (tokens/s)",
                results.get("prefill_tokens_per_second"), results.get("direct_prefill_tokens_per_second"),
                results.get("prefill_ratio"));
        row(writer, "decode " + results.get("decode_tokens") + " tokens (tokens/s)",
                results.get("decode_tokens_per_second"), results.get("direct_decode_tokens_per_second"),
                results.get("decode_ratio"));
        row(writer, "decode ms/token", scaled(results.get("decode_seconds_per_token"), 1e3), null, null);
        row(writer, "bandwidth bound (ms/token)", scaled(results.get("decode_bound_seconds_per_token"), 1e3), null,
                null);
        row(writer, "decode / bound", results.get("decode_to_bound_ratio"), null, null);
        row(writer, "read bandwidth (GB/s)", scaled(results.get("read_bandwidth_bytes_per_second"), 1e-9), null, null);
        row(writer, "locate, " + results.get("edit_records") + " records (s)", results.get("locate_seconds"), null,
                null);
        Object layers = results.get("edit_layers");
        int firstLayer = layers instanceof List<?> list && !list.isEmpty() ? (Integer) list.get(0) : 0;
        row(writer, "edit step from layer " + firstLayer + " (s)", results.get("edit_step_seconds"), null, null);
        row(writer, "edit step, every layer (s)", results.get("edit_step_full_recompute_seconds"), null, null);
        row(writer, "edit step speedup", results.get("edit_step_speedup"), null, null);
        mebibyteRow(writer, "F32 weights (MiB)", results.get("f32_weight_bytes"));
        mebibyteRow(writer, "resident before load (MiB)", results.get("resident_before_load_bytes"));
        mebibyteRow(writer, "inference peak resident (MiB)", results.get("inference_peak_resident_bytes"));
        row(writer, "inference peak / F32 weights", results.get("inference_peak_to_weights_ratio"), null, null);
        row(writer, "growth from load / F32 weights", results.get("inference_growth_to_weights_ratio"), null, null);
        mebibyteRow(writer, "after inference: anonymous (MiB)", results.get("inference_resident_anonymous_bytes"));
        mebibyteRow(writer, "after inference: mapped files (MiB)", results.get("inference_resident_file_bytes"));
        mebibyteRow(writer, "locate: peak growth (MiB)", results.get("locate_peak_growth_bytes"));
        mebibyteRow(writer, "edit from layer " + firstLayer + ": peak growth (MiB)",
                results.get("edit_peak_growth_bytes"));
        mebibyteRow(writer, "edit, every layer: peak growth (MiB)", results.get("edit_full_recompute_peak_growth_bytes"));
        mebibyteRow(writer, "peak heap (MiB)", results.get("peak_heap_bytes"));
        mebibyteRow(writer, "peak resident (MiB)", results.get("peak_resident_bytes"));
        if (results.get("gpu_memory_total_bytes") != null) {
            mebibyteRow(writer, "GPU in use after inference (MiB)", results.get("gpu_memory_after_inference_bytes"));
            mebibyteRow(writer, "GPU in use after the edits (MiB)", results.get("gpu_memory_after_edit_bytes"));
            mebibyteRow(writer, "GPU memory (MiB)", results.get("gpu_memory_total_bytes"));
        }
        Object neurons = results.get("edit_neurons_per_layer");
        String neuronWord = Integer.valueOf(1).equals(neurons) ? " neuron" : " neurons";
        writer.println("Edit records: " + results.get("edit_records") + " of " + results.get("record_tokens")
                + " tokens; edit steps: hot spots of " + neurons + neuronWord + " in layers "
                + layers + ", " + results.get("edit_steps") + " steps per run; bandwidth: libtorch sum of a "
                + MemoryBandwidth.ARRAY_MIB + " MiB float32 array, fastest run");
        writer.println(decodeProducts(Boolean.TRUE.equals(results.get("row_block_products")),
                results.get("max_abs_logit_difference") != null));
        writer.println("MKL code path: " + results.get("mkl_code_path"));
        writer.println(spread(results.get("run_seconds")));
        if (results.get("edit_step_speedup") == null && results.get("edit_step_seconds") != null) {
            writer.println("Edit step speedup: none, the edited layers start at layer 0 (a model of 2 layers or "
                    + "fewer), so both modes run every layer");
        }
        if (results.get("inference_peak_resident_bytes") == null) {
            writer.println("Inference peak resident: not measured (needs Linux /proc/self/status and clear_refs)");
        } else if (results.get("random_llama") != null) {
            writer.println("Memory rows include what writing the random model left in this process; for memory "
                    + "numbers, write it with --out DIR and measure it with --model DIR");
        }
        if (results.get("max_abs_logit_difference") != null) {
            writer.printf(Locale.ROOT, "max |project - direct| prompt logit: %.3g%n",
                    ((Number) results.get("max_abs_logit_difference")).doubleValue());
        } else {
            writer.println("Direct baseline not run. " + results.get("direct_baseline_error"));
        }
        writer.flush();
    }

    /** Returns the line under the table that names how decode computes its products, and the reason. */
    private static String decodeProducts(boolean rowBlocks, boolean directRan) {
        if (rowBlocks) {
            return "Decode: products with float32 weights of 2^20 elements or more are split into row blocks over "
                    + "libtorch's threads (" + RowBlockProduct.reason() + ")"
                    + (directRan ? "; the direct implementation uses libtorch's linear as it is" : "");
        }
        String reason = RowBlockProduct.enabled()
                ? "they need float32 weights on the CPU and 2 or more libtorch threads"
                : RowBlockProduct.reason();
        return "Decode: libtorch's linear as it is" + (directRan ? " in both implementations" : "")
                + " (no row blocks: " + reason + ")";
    }

    /**
     * Returns a line with each measurement's slowest timed run over its fastest, so that a reader
     * sees how much the machine disturbed the medians.
     */
    static String spread(Object runSeconds) {
        if (runSeconds instanceof Map<?, ?> runs
                && runs.values().stream().allMatch(values -> ((double[]) values).length < 2)) {
            return "Spread of the timed runs: not known, one timed run each (--repeats 2 or more shows it)";
        }
        StringBuilder line = new StringBuilder("Spread of the timed runs, slowest over fastest:");
        if (runSeconds instanceof Map<?, ?> runs) {
            runs.forEach((name, values) -> {
                double[] seconds = (double[]) values;
                double fastest = java.util.Arrays.stream(seconds).min().orElse(Double.NaN);
                double slowest = java.util.Arrays.stream(seconds).max().orElse(Double.NaN);
                line.append(String.format(Locale.ROOT, " %s %.2f", name, slowest / fastest));
            });
        }
        return line.toString();
    }

    private static String warmups(Object runs) {
        if (Integer.valueOf(0).equals(runs)) {
            return "no warm-up";
        }
        return Integer.valueOf(1).equals(runs) || runs == null ? "one warm-up" : runs + " warm-up runs";
    }

    private static String medians(Object repeats) {
        return Integer.valueOf(1).equals(repeats) ? "one timed run" : "medians of " + repeats + " runs";
    }

    /** Width of the row names; the longest, such as "after inference: mapped files (MiB)", fit with one space. */
    private static final int LABEL_WIDTH = 37;

    private static void row(PrintWriter writer, String name, Object project, Object direct, Object ratio) {
        writer.printf(Locale.ROOT, "%-" + LABEL_WIDTH + "s %" + (48 - LABEL_WIDTH) + "s %14s %8s%n", name,
                format(project), format(direct), format(ratio));
    }

    /** Prints a row of the project column only, for a value in bytes, in MiB. */
    private static void mebibyteRow(PrintWriter writer, String name, Object bytes) {
        row(writer, name, scaled(bytes, 1.0 / (1 << 20)), null, null);
    }

    private static Object scaled(Object value, double factor) {
        return value == null ? null : ((Number) value).doubleValue() * factor;
    }

    private static String format(Object value) {
        if (value == null) {
            return "-";
        }
        if (value instanceof String text) {
            return text;
        }
        double number = ((Number) value).doubleValue();
        return String.format(Locale.ROOT, number >= 100 ? "%.0f" : "%.3g", number);
    }
}
