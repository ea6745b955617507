package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.ModelConfig;
import org.pkeworkbench.model.io.StoredDType;
import org.pkeworkbench.testing.SharedFiles;

/** {@code bench}, its random Llama writer and its direct DJL baseline, on tiny random models. */
class BenchCommandTest {

    /** Tiny sizes with grouped-query attention (4 query heads share 2 key/value heads). */
    private static final RandomLlama TINY = new RandomLlama(64, 32, 48, 2, 4, 2, 11L);

    @TempDir
    Path temp;

    @Test
    void randomLlamaIsDeterministicAndLoads() throws IOException {
        Path first = temp.resolve("first");
        Path second = temp.resolve("second");
        TINY.write(first);
        TINY.write(second);

        assertArrayEquals(Files.readAllBytes(first.resolve("model.safetensors")),
                Files.readAllBytes(second.resolve("model.safetensors")), "same seed, same weights");
        try (DecoderModel model = DecoderModel.load(first, Device.cpu())) {
            assertEquals(TINY.parameterCount(), model.parameterCount(), "parameter count");
            assertEquals(2, model.config().numLayers(), "layers");
            assertEquals(2, model.config().numKeyValueHeads(), "key/value heads");
        }
    }

    @Test
    void randomLlamaSeedChangesWeights() throws IOException {
        Path first = temp.resolve("first");
        Path other = temp.resolve("other");
        TINY.write(first);
        new RandomLlama(64, 32, 48, 2, 4, 2, 12L).write(other);

        assertTrue(!java.util.Arrays.equals(Files.readAllBytes(first.resolve("model.safetensors")),
                Files.readAllBytes(other.resolve("model.safetensors"))), "another seed gives other weights");
    }

    @Test
    void shardedWriteKeepsWeights() throws IOException {
        Path single = temp.resolve("single");
        Path sharded = temp.resolve("sharded");
        TINY.write(single, StoredDType.F32);
        // With a 1-byte limit in place of 1 GiB, every model is written in shards.
        TINY.write(sharded, StoredDType.F32, 1);

        assertTrue(Files.exists(sharded.resolve("model.safetensors.index.json")), "index written");
        assertTrue(Files.exists(sharded.resolve("model-00004-of-00004.safetensors")), "embedding, 2 layers, head");
        assertTrue(!Files.exists(sharded.resolve("model.safetensors")), "no single file");
        try (DecoderModel one = DecoderModel.load(single, Device.cpu());
                DecoderModel shards = DecoderModel.load(sharded, Device.cpu())) {
            assertEquals(one.parameterCount(), shards.parameterCount(), "parameter count");
            for (String name : List.of("model.embed_tokens.weight", "model.layers.1.mlp.down_proj.weight",
                    "model.norm.weight", "lm_head.weight")) {
                assertArrayEquals(one.parameter(name).toFloatArray(), shards.parameter(name).toFloatArray(), name);
            }
        }
    }

    @Test
    void randomLlamaWritesBfloat16() throws IOException {
        Path float32 = temp.resolve("float32");
        Path bfloat16 = temp.resolve("bfloat16");
        TINY.write(float32, StoredDType.F32);
        TINY.write(bfloat16, StoredDType.BF16);

        assertEquals("bfloat16", new ObjectMapper().readTree(bfloat16.resolve("config.json").toFile())
                .get("torch_dtype").asText());
        try (DecoderModel wide = DecoderModel.load(float32, Device.cpu());
                DecoderModel narrow = DecoderModel.load(bfloat16, Device.cpu())) {
            float[] exact = wide.parameter("lm_head.weight").toFloatArray();
            float[] rounded = narrow.parameter("lm_head.weight").toFloatArray();
            for (int i = 0; i < exact.length; i++) {
                // bfloat16 keeps 8 significant bits: rounding errs by at most 2^-8 of the value.
                assertEquals(exact[i], rounded[i], Math.abs(exact[i]) / 256 + 1e-12f, "element " + i);
                assertEquals(0, Float.floatToIntBits(rounded[i]) & 0xFFFF, "low 16 bits are zero in bfloat16");
            }
        }
    }

    @Test
    void directBaselineMatchesForward() throws IOException {
        Path dir = temp.resolve("tiny");
        TINY.write(dir);
        Autograd.disableOnThisThread();
        try (DecoderModel model = DecoderModel.load(dir, Device.cpu());
                NDManager scope = model.manager().newSubManager()) {
            DirectLlama direct = new DirectLlama(model);
            long[] prompt = Benchmark.randomIds(new SplittableRandom(5), 12, 64);

            double difference = Benchmark.maxAbsLogitDifference(model, direct, scope, prompt);

            assertTrue(difference < 1e-4, "max abs logit difference " + difference);
        }
    }

    @Test
    void directBaselineCacheMatchesForward() throws IOException {
        Path dir = temp.resolve("tiny");
        TINY.write(dir);
        Autograd.disableOnThisThread();
        try (DecoderModel model = DecoderModel.load(dir, Device.cpu());
                NDManager scope = model.manager().newSubManager();
                DirectLlama.Cache cache = new DirectLlama.Cache(scope, 2)) {
            DirectLlama direct = new DirectLlama(model);
            long[] ids = Benchmark.randomIds(new SplittableRandom(6), 9, 64);

            direct.forward(scope, java.util.Arrays.copyOf(ids, 8), cache);
            NDArray cached = direct.forward(scope, new long[] {ids[8]}, cache).get(0).get(0);
            NDArray full = model.forward(scope, scope.create(ids).reshape(1, 9), ForwardOptions.create()).logits()
                    .get(0).get(8);

            double difference = cached.sub(full).abs().max().getFloat();
            assertTrue(difference < 1e-4, "max abs difference of the cached step's logits " + difference);
        }
    }

    @Test
    void benchWritesJsonWithAllKeys() throws IOException {
        Path json = temp.resolve("bench.json");
        Path model = temp.resolve("model");

        CliRun run = CliRun.of("bench", "--random-llama", "--vocab", "64", "--hidden", "32", "--intermediate", "48",
                "--layers", "2", "--heads", "4", "--kv-heads", "2", "--prompt-tokens", "8", "--decode-tokens", "4",
                "--repeats", "1", "--device", "cpu", "--out", model.toString(), "--json", json.toString(),
                "--edit-records", "3", "--record-tokens", "9");

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("one timed run after one warm-up"), run::toString);
        assertTrue(run.out().contains("prefill 8 tokens"), run::toString);
        assertTrue(run.out().contains("locate, 3 records (s)"), run::toString);
        assertTrue(run.out().contains("Edit records: 3 of 9 tokens"), run::toString);
        assertTrue(Files.exists(model.resolve("config.json")), "--out keeps the random model");
        JsonNode written = new ObjectMapper().readTree(json.toFile());
        List<String> keys = new ArrayList<>();
        written.fieldNames().forEachRemaining(keys::add);
        assertEquals(Benchmark.KEYS, keys, "JSON keys in order");
        for (String key : List.of("load_seconds", "prefill_tokens_per_second", "decode_tokens_per_second",
                "direct_prefill_tokens_per_second", "direct_decode_tokens_per_second", "locate_seconds",
                "edit_step_seconds", "edit_step_full_recompute_seconds", "read_bandwidth_bytes_per_second", "decode_to_bound_ratio", "f32_weight_bytes", "peak_heap_bytes")) {
            assertTrue(written.get(key).isNumber(), key + " is a number: " + written.get(key));
        }
        assertTrue(written.get("max_abs_logit_difference").asDouble() < 1e-4, "baseline logits match");
        assertEquals("[0,1]", written.get("edit_layers").toString(), "the last two layers are edited");
        assertEquals("{\"vocab\":64,\"hidden\":32,\"intermediate\":48,\"layers\":2,\"heads\":4,\"kv_heads\":2,"
                + "\"seed\":1,\"weights_dtype\":\"float32\"}", written.get("random_llama").toString());
        assertTrue(run.out().contains("Memory rows include what writing the random model left"), run::toString);
        // With 2 layers the edit starts at layer 0, so both modes run every layer.
        assertTrue(written.get("edit_step_speedup").isNull(), "no speedup: " + written.get("edit_step_speedup"));
        assertTrue(run.out().contains("Edit step speedup: none"), run::toString);
        // One timed run per measurement (--repeats 1), the project and direct runs of prefill and decode apart.
        JsonNode runs = written.get("run_seconds");
        assertEquals(List.of("load", "prefill", "direct_prefill", "decode", "direct_decode", "locate", "edit_step",
                "edit_step_full_recompute"), names(runs.fieldNames()));
        runs.forEach(values -> assertEquals(1, values.size(), runs.toString()));
        assertTrue(run.out().contains("Spread of the timed runs: not known, one timed run each"), run::toString);
        // Where and how the numbers were made, for a reader of the file alone.
        assertEquals(1, written.get("seed").asInt());
        JsonNode environment = written.get("environment");
        for (String key : List.of("timestamp", "pke_workbench", "java", "os", "cpu", "cpu_cores", "libtorch_threads",
                "max_heap_bytes", "djl", "engine")) {
            assertTrue(environment.has(key), key + " in " + environment);
        }
        assertTrue(environment.get("libtorch_threads").asInt() >= 1, environment.toString());
        // Embedding and head, then per layer q and o (32 x 32), k and v (16 x 32), three MLP matrices and two norms.
        assertEquals(4L * (64 * 32 * 2 + 2 * (2 * 32 * 32 + 2 * 16 * 32 + 3 * 32 * 48 + 2 * 32) + 32),
                written.get("f32_weight_bytes").asLong(), "F32 weight bytes of all parameters");
        assertEquals(written.get("f32_weight_bytes").asLong() - 4L * 64 * 32, written.get("decode_weight_bytes").asLong(),
                "a decode step reads every weight except the untied embedding table");
        assertEquals(3, written.get("edit_records").asInt());
        assertEquals(9, written.get("record_tokens").asInt());
        if (Files.isWritable(Path.of("/proc/self/clear_refs"))) {
            assertTrue(written.get("inference_peak_resident_bytes").isNumber(), written.toString());
            assertTrue(written.get("locate_peak_growth_bytes").isNumber(), written.toString());
            assertTrue(written.get("edit_peak_growth_bytes").isNumber(), written.toString());
            assertTrue(written.get("edit_full_recompute_peak_growth_bytes").isNumber(), written.toString());
            assertTrue(written.get("peak_resident_bytes").asLong() >= written.get("inference_peak_resident_bytes")
                    .asLong(), "the run's peak includes the inference window");
        }
    }

    /** The command's shutdown hook interrupts the thread, so the benchmark stops before its next run. */
    @Test
    void interruptedBenchmarkStops() throws IOException {
        Path model = temp.resolve("model");
        TINY.write(model);
        Benchmark benchmark = new Benchmark(model, Device.cpu(), org.pkeworkbench.model.ComputeDType.FLOAT32, 8, 4, 1,
                1, 1L, new Benchmark.Workload(2, 9));

        Thread.currentThread().interrupt();
        try {
            java.util.concurrent.CancellationException stopped = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.CancellationException.class, () -> benchmark.run(null));
            assertEquals("Benchmark stopped", stopped.getMessage());
        } finally {
            Thread.interrupted();
        }
    }

    /** A staging folder that a killed run left beside --out is a usage error that names it. */
    @Test
    void leftStagingFolderIsUsageError() throws IOException {
        Path out = temp.resolve("kept");
        Path staging = Files.createDirectories(temp.resolve(".kept.staging"));

        CliRun run = CliRun.of("bench", "--random-llama", "--device", "cpu", "--out", out.toString());

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--out " + out + ": " + staging + " is left from a run that was killed while "
                + "writing it; remove that folder and retry"), run::toString);
        assertTrue(Files.isDirectory(staging), "the folder is left to the user");
    }

    @Test
    void benchRejectsEmptyWorkload() {
        CliRun run = CliRun.of("bench", "--random-llama", "--edit-records", "0", "--device", "cpu");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--edit-records must be at least 1"), run::toString);
    }

    @Test
    void benchSkipsBaselineForGpt2() throws IOException {
        Path json = temp.resolve("gpt2.json");

        CliRun run = CliRun.of("bench", "--model", SharedFiles.fixture("tiny-gpt2").toString(), "--prompt-tokens", "6",
                "--decode-tokens", "3", "--warmup-runs", "2", "--repeats", "1", "--device", "cpu", "--json",
                json.toString());

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("Direct baseline not run"), run::toString);
        assertTrue(run.out().contains("one timed run after 2 warm-up runs"), run::toString);
        JsonNode written = new ObjectMapper().readTree(json.toFile());
        assertEquals(2, written.get("warmup_runs").asInt(), written.toString());
        assertTrue(written.get("prefill_tokens_per_second").isNumber(), "project prefill is measured");
        assertTrue(written.get("direct_prefill_tokens_per_second").isNull(), "no direct prefill");
        assertTrue(written.get("direct_baseline_error").asText().contains("gpt2"), written.toString());
    }

    @Test
    void benchRejectsMissingModelDirectory() {
        Path missing = temp.resolve("missing");

        CliRun run = CliRun.of("bench", "--model", missing.toString(), "--device", "cpu");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("'--model': " + missing + " does not exist"), run::toString);
    }

    private static List<String> names(java.util.Iterator<String> fieldNames) {
        List<String> out = new ArrayList<>();
        fieldNames.forEachRemaining(out::add);
        return out;
    }

    @Test
    void missingGpuWritesNothing() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ai.djl.engine.Engine.getInstance().getGpuCount() == 0,
                "this machine has a GPU");
        Path model = temp.resolve("model");

        CliRun run = CliRun.of("bench", "--random-llama", "--vocab", "64", "--hidden", "32", "--intermediate", "48",
                "--layers", "2", "--heads", "4", "--kv-heads", "2", "--device", "gpu", "--out", model.toString());

        assertTrue(run.exitCode() != 0, run::toString);
        assertTrue(run.err().contains("no CUDA GPU"), run::toString);
        assertTrue(!Files.exists(model), "nothing written before the device error");
    }

    @Test
    void weightlessModelReportsLoaderError() throws IOException {
        Path model = Files.createDirectories(temp.resolve("no-weights"));
        Files.copy(org.pkeworkbench.model.DemoModel.directory().resolve("config.json"), model.resolve("config.json"));

        CliRun run = CliRun.of("bench", "--model", model.toString(), "--device", "cpu", "--repeats", "1");

        assertEquals(1, run.exitCode(), run::toString);
        assertTrue(run.err().contains("no model.safetensors"), run::toString);
        assertTrue(!run.err().contains("Exception"), "no exception class name: " + run.err());
    }

    @Test
    void benchRejectsModelWithRandomLlama() {
        CliRun run = CliRun.of("bench", "--random-llama", "--model", temp.toString());

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("mutually exclusive"), run::toString);
        assertTrue(!run.err().contains("Error: Error:"), "one Error: prefix: " + run.err());
    }

    @Test
    void invalidCountNamesItsOption() {
        CliRun run = CliRun.of("bench", "--random-llama", "--repeats", "0", "--device", "cpu");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Error: --repeats must be at least 1, got 0"), run::toString);
        assertTrue(!run.err().contains("--prompt-tokens"), "only the invalid option: " + run.err());
    }

    @Test
    void negativeWarmupRunsAreUsageError() {
        CliRun run = CliRun.of("bench", "--random-llama", "--warmup-runs", "-1", "--device", "cpu");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Error: --warmup-runs must be at least 0, got -1"), run::toString);
    }

    @Test
    void invalidRandomSizeIsUsageError() {
        CliRun run = CliRun.of("bench", "--random-llama", "--hidden", "0", "--device", "cpu");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Error: --hidden must be at least 2, got 0"), run::toString);
        assertTrue(run.err().contains("--help"), run::toString);
    }

    @Test
    void hugeTokenCountsDoNotWrapAround() {
        CliRun run = CliRun.of("bench", "--random-llama", "--prompt-tokens", "8", "--decode-tokens", "2147483640",
                "--device", "cpu");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("needs 2147483648 positions, more than the random model's 4096"), run::toString);
    }

    @Test
    void oversizedMatrixIsUsageError() {
        Path out = temp.resolve("huge");

        CliRun run = CliRun.of("bench", "--random-llama", "--hidden", "16384", "--heads", "128", "--vocab", "200000",
                "--out", out.toString(), "--device", "cpu");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Error: --vocab 200000 times --hidden 16384 gives a weight matrix of 3276800000 "
                + "elements, more than the 2147483639 that one Java array can take"), run::toString);
        assertFalse(Files.exists(out), run::toString);
    }

    @Test
    @org.junit.jupiter.api.condition.EnabledOnOs(org.junit.jupiter.api.condition.OS.LINUX)
    void unwritableJsonFolderRejectedBeforeRun() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("read-only"));
        assertTrue(folder.toFile().setWritable(false, false), "folder made read-only");
        try {
            // root may write to a read-only folder, and then there is nothing to reject.
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(folder), "this user writes read-only folders");
            CliRun run = CliRun.of("bench", "--model", SharedFiles.stories260K().toString(), "--device", "cpu",
                    "--json", folder.resolve("results.json").toString());

            assertEquals(2, run.exitCode(), run::toString);
            assertTrue(run.err().contains("the folder " + folder + " is not writable for this user"), run::toString);
            assertTrue(!run.out().contains("prefill"), "no benchmark ran: " + run.out());
        } finally {
            folder.toFile().setWritable(true, false);
        }
    }

    @Test
    void tooManyTokensForModelIsUsageError() {
        CliRun run = CliRun.of("bench", "--model", SharedFiles.stories260K().toString(), "--device", "cpu",
                "--prompt-tokens", "500", "--decode-tokens", "64");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--prompt-tokens 500 plus --decode-tokens 64 needs 564 positions, more than the "
                + "model's 512"), run::toString);
        assertTrue(run.err().contains("--help"), run::toString);
    }

    @Test
    void jsonUnderFileRejectedBeforeRun() throws IOException {
        Path file = Files.writeString(temp.resolve("plain-file"), "x");
        Path json = file.resolve("results.json");

        CliRun run = CliRun.of("bench", "--model", SharedFiles.stories260K().toString(), "--device", "cpu",
                "--json", json.toString());

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains(file + " is a file, not a folder"), run::toString);
        assertTrue(!run.out().contains("prefill"), "no benchmark ran: " + run.out());
    }

    @Test
    void randomModelChecksBeforeWriting() throws IOException {
        Path out = temp.resolve("kept");
        Path file = Files.writeString(temp.resolve("a-file"), "x");
        String[] small = {"bench", "--random-llama", "--device", "cpu", "--hidden", "32", "--layers", "1",
            "--intermediate", "64", "--heads", "2", "--vocab", "64"};

        CliRun sameFile = CliRun.of(concat(small, "--out", out.toString(), "--json", out.toString()));
        CliRun jsonInside = CliRun.of(concat(small, "--out", out.toString(), "--json", out.resolve("r.json").toString()));
        CliRun underFile = CliRun.of(concat(small, "--out", file.resolve("sub").toString()));
        CliRun tooLong = CliRun.of(concat(small, "--out", out.toString(), "--prompt-tokens", "4090",
                "--decode-tokens", "10"));

        assertEquals(2, sameFile.exitCode(), sameFile::toString);
        assertTrue(sameFile.err().contains("--out and --json " + out + " is given for two outputs"), sameFile::toString);
        assertEquals(2, jsonInside.exitCode(), jsonInside::toString);
        assertTrue(jsonInside.err().contains("--json " + out.resolve("r.json") + " is inside --out"), jsonInside::toString);
        assertEquals(2, underFile.exitCode(), underFile::toString);
        assertTrue(underFile.err().contains(file + " is a file, not a folder"), underFile::toString);
        assertEquals(2, tooLong.exitCode(), tooLong::toString);
        assertTrue(tooLong.err().contains("needs 4100 positions, more than the random model's 4096"), tooLong::toString);
        assertFalse(Files.exists(out), "no model written");
    }

    private static String[] concat(String[] first, String... rest) {
        String[] all = java.util.Arrays.copyOf(first, first.length + rest.length);
        System.arraycopy(rest, 0, all, first.length, rest.length);
        return all;
    }

    @Test
    void sizeOptionWithModelIsUsageError() {
        CliRun run = CliRun.of("bench", "--model", SharedFiles.stories260K().toString(), "--hidden", "99",
                "--device", "cpu");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--hidden describes the model that --random-llama writes"), run::toString);
    }

    @Test
    void existingOutIsUsageError() throws IOException {
        Path file = Files.writeString(temp.resolve("taken"), "x");

        CliRun run = CliRun.of("bench", "--random-llama", "--out", file.toString(), "--device", "cpu");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--out " + file + " already exists (a file)"), run::toString);
    }

    @Test
    void keyValueHeadsDefaultToHeads() throws IOException {
        Path model = temp.resolve("four-heads");

        CliRun run = CliRun.of("bench", "--random-llama", "--vocab", "64", "--hidden", "32", "--intermediate", "48",
                "--layers", "1", "--heads", "4", "--prompt-tokens", "4", "--decode-tokens", "2", "--repeats", "1",
                "--device", "cpu", "--out", model.toString());

        assertEquals(0, run.exitCode(), run::toString);
        assertEquals(4, ModelConfig.load(model).numKeyValueHeads());
    }
}
