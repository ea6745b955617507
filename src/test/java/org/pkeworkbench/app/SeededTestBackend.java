package org.pkeworkbench.app;

import org.pkeworkbench.model.ProgressListener;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;

/**
 * A {@link WorkbenchBackend} for UI tests until the real backend over the model core exists.
 *
 * <p>It reads real files (a model's {@code config.json} and safetensors header, SafeEdit JSON),
 * computes a locate result from a fixed seed, and runs an "edit" that takes {@link #editSteps}
 * sleeps, checking cancellation between them, and commits its weight change only after the last
 * step, as the real backend must.
 */
// TODO: switch the workbench UI tests to the real backend once the core implements WorkbenchBackend.
final class SeededTestBackend implements WorkbenchBackend {

    static final long SEED = 20_241_010L;
    static final double SUGGESTED_NEURON_FRACTION = 0.1;

    private static final ObjectMapper JSON = new ObjectMapper();

    volatile int editSteps = 40;
    volatile long stepMillis = 5;
    /** When set, the edit counts down {@link #editPaused} at its middle step and waits for this latch. */
    volatile CountDownLatch editResume;
    final CountDownLatch editPaused = new CountDownLatch(1);
    final CountDownLatch editStarted = new CountDownLatch(1);
    final CountDownLatch editReturned = new CountDownLatch(1);
    /** When set, the next locate call throws it once. */
    volatile Exception nextLocateFailure;

    private volatile ModelSummary model;
    private volatile List<String> editPrompts = List.of();
    private volatile List<String> evalPrompts = List.of();
    private volatile double[] weights;
    private volatile double[] originalWeights;
    private volatile boolean editApplied;

    static Path sharedDirectory() {
        return Path.of(System.getProperty("pke.shared.dir", "../shared"));
    }

    static Path stories260K() {
        return sharedDirectory().resolve("models/stories260K");
    }

    static Path safeEditSample() {
        return sharedDirectory().resolve("data/safeedit-subsets/SafeEdit_sample_7.json");
    }

    @Override
    public ModelSummary loadModel(Path directory, ProgressListener progress) throws IOException {
        Path configFile = directory.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new IOException("config.json not found in " + directory + ". Open a Hugging Face model directory.");
        }
        JsonNode config = JSON.readTree(configFile.toFile());
        progress.update(0.5, "Reading " + configFile);
        ModelSummary summary = new ModelSummary(
                directory.getFileName().toString(),
                directory,
                config.path("architectures").path(0).asText("unknown"),
                config.path("num_hidden_layers").asInt(),
                config.path("hidden_size").asInt(),
                config.path("intermediate_size").asInt(),
                countParameters(directory.resolve("model.safetensors")),
                config.path("torch_dtype").asText("float32"),
                "cpu");
        model = summary;
        originalWeights = new double[summary.intermediateSize()];
        weights = originalWeights.clone();
        editApplied = false;
        progress.update(1, "Loaded " + summary.name());
        return summary;
    }

    /** Sums the element counts of all tensors in a safetensors file's JSON header. */
    private static long countParameters(Path safetensors) throws IOException {
        try (InputStream input = Files.newInputStream(safetensors)) {
            byte[] lengthBytes = input.readNBytes(8);
            long headerLength = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            byte[] header = new byte[(int) headerLength];
            new DataInputStream(input).readFully(header);
            JsonNode tensors = JSON.readTree(new String(header, StandardCharsets.UTF_8));
            long total = 0;
            for (Iterator<String> names = tensors.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (name.equals("__metadata__")) {
                    continue;
                }
                long elements = 1;
                for (JsonNode dimension : tensors.get(name).get("shape")) {
                    elements *= dimension.asLong();
                }
                total += elements;
            }
            return total;
        }
    }

    @Override
    public ModelSummary loadDemoModel(ProgressListener progress) throws IOException {
        return loadModel(stories260K(), progress);
    }

    @Override
    public List<String> loadDataset(DatasetRole role, Path file) throws IOException {
        JsonNode records = JSON.readTree(file.toFile());
        if (!records.isArray()) {
            throw new IOException(file + " is not a JSON array of SafeEdit records");
        }
        String field = role == DatasetRole.EDIT ? "adversarial prompt" : "question";
        List<String> prompts = new ArrayList<>();
        for (JsonNode record : records) {
            if (!record.hasNonNull(field)) {
                throw new IOException("Record " + prompts.size() + " of " + file + " has no '" + field + "' field");
            }
            prompts.add(record.get(field).asText());
        }
        if (role == DatasetRole.EDIT) {
            editPrompts = List.copyOf(prompts);
        } else {
            evalPrompts = List.copyOf(prompts);
        }
        return prompts;
    }

    @Override
    public LocateResult locate(ProgressListener progress) throws Exception {
        Exception failure = nextLocateFailure;
        if (failure != null) {
            nextLocateFailure = null;
            throw failure;
        }
        ModelSummary loaded = model;
        if (loaded == null) {
            throw new IllegalStateException("No model loaded. Open a model before Locate.");
        }
        if (editPrompts.isEmpty()) {
            throw new IllegalStateException("No edit set loaded. Open an edit set before Locate.");
        }
        for (int layer = 0; layer < loaded.layerCount(); layer++) {
            progress.checkCancelled();
            progress.update((layer + 1.0) / loaded.layerCount(), "Locate: layer " + (layer + 1) + " of " + loaded.layerCount());
        }
        return seededLocateResult(loaded.layerCount(), loaded.intermediateSize());
    }

    /**
     * Returns a locate result drawn from {@link #SEED}: later layers score higher, and the top two
     * layers by combined score are suggested with their top tenth of neurons.
     *
     * @return neuron scores {@code [layers][neurons]}, non-negative
     */
    static LocateResult seededLocateResult(int layers, int neurons) {
        Random random = new Random(SEED);
        double[] hiddenDifference = new double[layers];
        double[] gradientScore = new double[layers];
        double[] logitLensMargin = new double[layers];
        double[] layerScore = new double[layers];
        float[][] neuronScores = new float[layers][neurons];
        for (int layer = 0; layer < layers; layer++) {
            double depth = (layer + 1.0) / layers;
            hiddenDifference[layer] = 0.05 + depth * random.nextDouble();
            gradientScore[layer] = 0.2 + depth * depth * random.nextDouble() * 3;
            logitLensMargin[layer] = -0.5 + 2 * depth * random.nextDouble();
            layerScore[layer] = hiddenDifference[layer] * gradientScore[layer];
            for (int neuron = 0; neuron < neurons; neuron++) {
                double spike = random.nextDouble() < 0.03 ? 10 : 1;
                neuronScores[layer][neuron] = (float) (Math.abs(random.nextGaussian()) * depth * spike);
            }
        }

        int[] topLayers = IntStream.range(0, layers)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer layer) -> layerScore[layer]).reversed())
                .limit(Math.min(2, layers))
                .mapToInt(Integer::intValue)
                .sorted()
                .toArray();
        int perLayer = (int) Math.ceil(neurons * SUGGESTED_NEURON_FRACTION);
        List<HotSpot> suggested = new ArrayList<>();
        for (int layer : topLayers) {
            float[] scores = neuronScores[layer];
            List<Integer> top = IntStream.range(0, neurons)
                    .boxed()
                    .sorted(Comparator.comparingDouble((Integer neuron) -> scores[neuron]).reversed())
                    .limit(perLayer)
                    .toList();
            suggested.add(new HotSpot(layer, top));
        }
        return new LocateResult(hiddenDifference, gradientScore, logitLensMargin, layerScore, neuronScores, suggested);
    }

    @Override
    public EditSummary edit(List<HotSpot> hotSpots, ProgressListener progress) throws Exception {
        editStarted.countDown();
        try {
            if (model == null) {
                throw new IllegalStateException("No model loaded. Open a model before editing.");
            }
            double[] working = weights.clone();
            int steps = editSteps;
            for (int step = 1; step <= steps; step++) {
                progress.checkCancelled();
                if (step == steps / 2 && editResume != null) {
                    editPaused.countDown();
                    awaitInterruptibly(editResume);
                }
                sleepInterruptibly(stepMillis);
                for (HotSpot hotSpot : hotSpots) {
                    for (int neuron : hotSpot.neurons()) {
                        working[neuron] += 0.01;
                    }
                }
                progress.update((double) step / steps, "Edit step " + step + " of " + steps);
            }
            progress.checkCancelled();

            weights = working;
            editApplied = true;
            int total = evalPrompts.isEmpty() ? 50 : evalPrompts.size();
            int neuronCount = hotSpots.stream().mapToInt(hotSpot -> hotSpot.neurons().size()).sum();
            int before = (int) Math.round(total * 0.8);
            int after = Math.max(0, before - Math.min(before, neuronCount / 6));
            return new EditSummary(new Proportion(before, total), new Proportion(after, total),
                    new Proportion(1, total), new Proportion(Math.min(total, 1 + neuronCount / 20), total),
                    0.41, 0.38, steps, steps * stepMillis / 1000.0);
        } finally {
            editReturned.countDown();
        }
    }

    private static void sleepInterruptibly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new CancellationException("Edit interrupted");
        }
    }

    private static void awaitInterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new CancellationException("Edit interrupted");
        }
    }

    @Override
    public void revertEdit() {
        if (originalWeights != null) {
            weights = originalWeights.clone();
        }
        editApplied = false;
    }

    @Override
    public boolean hasAppliedEdit() {
        return editApplied;
    }

    /** Returns true when the weights equal those loaded, that is no edit changed them. */
    boolean weightsUnchanged() {
        return Arrays.equals(weights, originalWeights);
    }
}
