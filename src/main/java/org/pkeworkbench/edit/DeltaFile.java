package org.pkeworkbench.edit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ModelConfig;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.io.ModelFingerprint;
import org.pkeworkbench.model.io.ModelFormatException;
import org.pkeworkbench.model.io.SafetensorsFile;
import org.pkeworkbench.model.io.SafetensorsWriter;
import org.pkeworkbench.model.io.StoredDType;
import org.pkeworkbench.model.io.TensorInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves a {@link WeightDelta} as a small safetensors file that holds only the changed neuron slices,
 * and loads it back for a given model.
 *
 * <p>Layout (F32): for each changed matrix, a tensor {@code <stored name>.delta} with the {@code k}
 * changed neuron slices stacked along the matrix's neuron axis, so {@code [hidden, k]} for a Llama
 * {@code down_proj} (axis 1) and {@code [k, hidden]} for {@code gate_proj}/{@code up_proj} (axis 0).
 * The neuron indices are not a tensor: the {@code __metadata__} entry {@code tensors} is a JSON
 * object from stored name to {@code {"canonical", "axis", "neurons", "shape"}}, where {@code shape}
 * is the full matrix shape. The other metadata entries are {@code format} ({@code pke-delta}),
 * {@code format_version}, the model's {@code model_type}, {@code hidden_size},
 * {@code intermediate_size}, {@code num_layers} and {@code vocab_size}, and {@code hot_spots} (JSON).
 * Files written since the base-model check was added also name the model the edit was made from:
 * {@code base_model_name} (its directory's name), {@code base_model_fingerprint} and
 * {@code base_model_fingerprint_method} (a {@link ModelFingerprint}), so that
 * {@code apply-delta} can tell when it is given another checkpoint of the same sizes.
 */
public final class DeltaFile {

    /** The {@code format} metadata value of a delta file. */
    public static final String FORMAT = "pke-delta";

    private static final String FORMAT_VERSION = "1";
    private static final String TENSOR_SUFFIX = ".delta";

    private static final Logger LOG = LoggerFactory.getLogger(DeltaFile.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private DeltaFile() {}

    /**
     * The model a delta was made from, as its file records it.
     *
     * @param name the name of the model's directory when the delta was written
     * @param fingerprint the fingerprint of that directory
     */
    public record BaseModel(String name, ModelFingerprint fingerprint) {}

    /** Description of one changed matrix: canonical name, neuron axis, changed neuron indices and full shape. */
    record SliceInfo(String canonical, int axis, List<Integer> neurons, long[] shape) {}

    /**
     * Writes the changed neuron slices of {@code delta} to {@code file}: to a temporary sibling first,
     * then renamed into place, replacing an existing file.
     *
     * @throws IllegalArgumentException when a changed parameter is not an MLP matrix of {@code model}
     */
    public static void save(WeightDelta delta, DecoderModel model, Path file) throws IOException {
        save(delta, model, file, ProgressListener.NONE);
    }

    /**
     * Saves like {@link #save(WeightDelta, DecoderModel, Path)}, reporting progress; a cancel stops
     * the write and leaves {@code file} as it was.
     */
    public static void save(WeightDelta delta, DecoderModel model, Path file, ProgressListener progress)
            throws IOException {
        long started = System.nanoTime();
        Map<String, Integer> axes = model.mlpNeuronAxes();
        Map<String, SliceInfo> slices = new LinkedHashMap<>();
        try (NDManager scratch = model.manager().newSubManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, WeightDelta.Part> entry : delta.parts().entrySet()) {
                progress.checkCancelled();
                String canonical = entry.getKey();
                Integer axis = axes.get(canonical);
                if (axis == null) {
                    throw new IllegalArgumentException("Changed parameter '" + canonical + "' is not an MLP weight "
                            + "matrix of the model; a delta file holds MLP neuron slices only");
                }
                Packed packed = pack(canonical, entry.getValue(), axis);
                if (packed.neurons().isEmpty()) {
                    continue;
                }
                long[] shape = entry.getValue().fullShape().getShape();
                long[] packedShape = shape.clone();
                packedShape[axis] = packed.neurons().size();

                String stored = model.storedName(canonical);
                tensors.put(stored + TENSOR_SUFFIX, scratch.create(packed.values(), new Shape(packedShape)));
                slices.put(stored, new SliceInfo(canonical, axis, packed.neurons(), shape));
            }
            progress.checkCancelled();
            Map<String, String> metadata = metadata(model.config(), slices, delta.hotSpots());
            baseModelOf(model).ifPresent(base -> {
                metadata.put("base_model_name", base.name());
                metadata.put("base_model_fingerprint", base.fingerprint().value());
                metadata.put("base_model_fingerprint_method", base.fingerprint().method());
            });
            SafetensorsWriter.write(file, tensors, metadata, StoredDType.F32, progress);
        }
        LOG.info("Saved delta of {} matrices to {} in {} ms", slices.size(), file,
                (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Reads {@code file} into a delta for {@code model} that keeps the stored slices, on the model's
     * device. The caller closes the result.
     *
     * @throws ModelFormatException when the file is not a delta file, was made for a model with other
     *     sizes, or names a tensor or shape that {@code model} does not have
     */
    public static WeightDelta load(Path file, DecoderModel model) throws IOException {
        long started = System.nanoTime();
        SafetensorsFile stored = SafetensorsFile.read(file);
        Map<String, String> metadata = stored.metadata();
        checkFormat(file, metadata);
        if (!FORMAT_VERSION.equals(metadata.get("format_version"))) {
            throw new ModelFormatException(file, "delta format version " + metadata.get("format_version")
                    + " is not supported (this build reads version " + FORMAT_VERSION + ")",
                    "Write the delta again with this version of PKE Workbench");
        }
        checkSameSizes(file, metadata, model.config(), model.directory());

        Map<String, SliceInfo> slices = parse(file, metadata, "tensors", new TypeReference<>() {});
        List<HotSpot> hotSpots = parse(file, metadata, "hot_spots", new TypeReference<>() {});
        Map<String, Integer> axes = model.mlpNeuronAxes();
        Map<String, WeightDelta.Part> parts = new LinkedHashMap<>();
        try (NDManager scratch = model.manager().newSubManager()) {
            for (Map.Entry<String, SliceInfo> entry : slices.entrySet()) {
                SliceInfo info = entry.getValue();
                TensorInfo tensor = stored.tensors().get(entry.getKey() + TENSOR_SUFFIX);
                checkSlice(file, entry.getKey(), info, model, axes, tensor);

                // A copy in the model's memory: the delta must not depend on the file staying in place.
                float[] packed = stored.loadFloat32(entry.getKey() + TENSOR_SUFFIX, scratch).toFloatArray();
                NDArray values = scratch.create(packed, new Shape(tensor.shape()));
                long[] neurons = info.neurons().stream().mapToLong(Integer::longValue).toArray();
                parts.put(info.canonical(), new WeightDelta.Part(info.axis(), neurons, values, new Shape(info.shape())));
            }
            if (stored.tensors().size() != slices.size()) {
                throw new ModelFormatException(file, stored.tensors().size() + " tensors but " + slices.size()
                        + " described in the \"tensors\" metadata", "The file is damaged; write the delta again");
            }
            WeightDelta delta = WeightDelta.ofParts(model.manager(), parts, hotSpots);
            LOG.info("Loaded delta of {} matrices ({} values) from {} in {} ms", parts.size(),
                    delta.storedValueCount(), file, (System.nanoTime() - started) / 1_000_000);
            return delta;
        }
    }

    /**
     * Returns the model that {@code file} was made from, or empty when the file does not record it
     * (files written before the base-model check was added).
     *
     * @throws ModelFormatException when {@code file} is not a delta file
     */
    public static Optional<BaseModel> baseModel(Path file) throws IOException {
        Map<String, String> metadata = SafetensorsFile.read(file).metadata();
        checkFormat(file, metadata);
        String value = metadata.get("base_model_fingerprint");
        String method = metadata.get("base_model_fingerprint_method");
        if (value == null || method == null) {
            return Optional.empty();
        }
        String name = metadata.getOrDefault("base_model_name", "");
        return Optional.of(new BaseModel(name, new ModelFingerprint(method, value)));
    }

    private static void checkFormat(Path file, Map<String, String> metadata) throws ModelFormatException {
        if (!FORMAT.equals(metadata.get("format"))) {
            throw new ModelFormatException(file, "metadata \"format\" is " + metadata.get("format") + ", not " + FORMAT,
                    "Give a delta file written by 'edit --delta'");
        }
    }

    /** Fingerprints the directory {@code model} was loaded from; empty, with a warning, when that fails. */
    private static Optional<BaseModel> baseModelOf(DecoderModel model) {
        Path directory = model.directory();
        try {
            Path name = directory.toAbsolutePath().normalize().getFileName();
            return Optional.of(new BaseModel(name == null ? directory.toString() : name.toString(),
                    ModelFingerprint.of(directory)));
        } catch (java.nio.channels.ClosedByInterruptException e) {
            // Ctrl-C interrupted the reading, and the command stops at its next check, so this is no warning.
            Thread.currentThread().interrupt();
            LOG.info("Fingerprinting {} stopped by an interrupt", directory);
            return Optional.empty();
        } catch (IOException e) {
            LOG.warn("The delta will not record its base model, because {} could not be fingerprinted: {}", directory,
                    e.getMessage() == null ? e.toString() : e.getMessage());
            return Optional.empty();
        }
    }

    private static Map<String, String> metadata(ModelConfig config, Map<String, SliceInfo> slices,
            List<HotSpot> hotSpots) throws JsonProcessingException {
        Map<String, String> metadata = new LinkedHashMap<>(modelSizes(config));
        metadata.put("format", FORMAT);
        metadata.put("format_version", FORMAT_VERSION);
        metadata.put("tensors", JSON.writeValueAsString(slices));
        metadata.put("hot_spots", JSON.writeValueAsString(hotSpots));
        return metadata;
    }

    /** The config values that a delta must match to apply to a model. */
    private static Map<String, String> modelSizes(ModelConfig config) {
        Map<String, String> sizes = new LinkedHashMap<>();
        sizes.put("model_type", config.modelType());
        sizes.put("hidden_size", String.valueOf(config.hiddenSize()));
        sizes.put("intermediate_size", String.valueOf(config.intermediateSize()));
        sizes.put("num_layers", String.valueOf(config.numLayers()));
        sizes.put("vocab_size", String.valueOf(config.vocabSize()));
        return sizes;
    }

    /**
     * Checks, from the metadata of {@code file} alone, that the delta was made for a model with the
     * sizes in {@code config}, so that a caller can reject it before loading the model.
     *
     * @throws ModelFormatException when {@code file} is not a delta file or the sizes differ
     */
    public static void checkSizes(Path file, ModelConfig config, Path modelDir) throws IOException {
        Map<String, String> metadata = SafetensorsFile.read(file).metadata();
        checkFormat(file, metadata);
        checkSameSizes(file, metadata, config, modelDir);
    }

    private static void checkSameSizes(Path file, Map<String, String> metadata, ModelConfig config, Path modelDir)
            throws ModelFormatException {
        List<String> mismatches = new ArrayList<>();
        modelSizes(config).forEach((key, expected) -> {
            if (!expected.equals(metadata.get(key))) {
                mismatches.add(key + " " + metadata.get(key) + " (model: " + expected + ")");
            }
        });
        if (!mismatches.isEmpty()) {
            throw new ModelFormatException(file, "the delta was made for another model: " + String.join(", ", mismatches)
                    + " differ from " + modelDir, "A delta applies only to a model of the sizes it was made for");
        }
    }

    private static void checkSlice(Path file, String storedName, SliceInfo info, DecoderModel model,
            Map<String, Integer> axes, TensorInfo tensor) throws ModelFormatException {
        Integer axis = axes.get(info.canonical());
        if (axis == null || !storedName.equals(model.storedName(info.canonical()))) {
            throw new ModelFormatException(file, "tensor " + storedName + " is not an MLP weight matrix of "
                    + model.directory(), "Apply the delta to the model it was written from");
        }
        long[] modelShape = model.parameter(info.canonical()).getShape().getShape();
        if (!Arrays.equals(modelShape, info.shape()) || axis != info.axis()) {
            throw new ModelFormatException(file, "tensor " + storedName + " has shape " + Arrays.toString(info.shape())
                    + " and neuron axis " + info.axis() + ", the model has " + Arrays.toString(modelShape)
                    + " and axis " + axis, "Apply the delta to the model it was written from");
        }
        if (info.neurons().isEmpty()) {
            throw new ModelFormatException(file, "tensor " + storedName + " lists no neurons",
                    "The file is damaged; write the delta again");
        }
        int previous = -1;
        for (int neuron : info.neurons()) {
            if (neuron < 0 || neuron >= modelShape[axis]) {
                throw new ModelFormatException(file, "neuron " + neuron + " of " + storedName + " is outside 0.."
                        + (modelShape[axis] - 1), "The file is damaged; write the delta again");
            }
            if (neuron <= previous) {
                throw new ModelFormatException(file, "the neurons of " + storedName + " are not in ascending order ("
                        + previous + " before " + neuron + ")", "The file is damaged; write the delta again");
            }
            previous = neuron;
        }
        long[] packedShape = info.shape().clone();
        packedShape[axis] = info.neurons().size();
        if (tensor == null || !Arrays.equals(tensor.shape(), packedShape)) {
            throw new ModelFormatException(file, "tensor " + storedName + TENSOR_SUFFIX + " is "
                    + (tensor == null ? "missing" : "of shape " + Arrays.toString(tensor.shape()))
                    + ", expected " + Arrays.toString(packedShape), "The file is damaged; write the delta again");
        }
    }

    private static <T> T parse(Path file, Map<String, String> metadata, String key, TypeReference<T> type) throws ModelFormatException {
        String json = metadata.get(key);
        if (json == null) {
            throw new ModelFormatException(file, "metadata entry \"" + key + "\" is missing",
                    "Give a delta file written by 'edit --delta'");
        }
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(file, "metadata entry \"" + key + "\" is invalid JSON: " + e.getOriginalMessage(),
                    "The file is damaged; write the delta again", e);
        }
    }

    /**
     * The changed slices of one matrix as the file stores them.
     *
     * @param neurons the changed neurons along the matrix's neuron axis, ascending
     * @param values the slices of those neurons, packed along the axis, row-major
     */
    private record Packed(List<Integer> neurons, float[] values) {}

    /**
     * Packs the slices of one change that have a nonzero value. A slice-form change is packed from
     * its slices alone, a full-shape one (DINM, FT-L) from the whole matrix.
     */
    private static Packed pack(String canonical, WeightDelta.Part part, int axis) {
        if (part.neurons() == null) {
            long[] shape = part.fullShape().getShape();
            float[] full = part.values().toFloatArray();
            List<Integer> neurons = changedNeurons(full, shape, axis);
            return new Packed(neurons, gather(full, shape, axis, neurons));
        }
        if (part.axis() != axis) {
            throw new IllegalStateException("The change of " + canonical + " is sliced along axis " + part.axis()
                    + ", but the model's neuron axis of that matrix is " + axis);
        }
        long[] sliceShape = part.values().getShape().getShape();
        float[] slices = part.values().toFloatArray();
        List<Integer> changedSlices = changedNeurons(slices, sliceShape, axis);
        List<Integer> neurons = changedSlices.stream().map(index -> (int) part.neurons()[index]).toList();
        return new Packed(neurons, gather(slices, sliceShape, axis, changedSlices));
    }

    /** Indices along {@code axis} of a 2-D {@code [rows, cols]} matrix whose slice has a nonzero value. */
    private static List<Integer> changedNeurons(float[] full, long[] shape, int axis) {
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        boolean[] changed = new boolean[axis == 0 ? rows : cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                if (full[r * cols + c] != 0f) {
                    changed[axis == 0 ? r : c] = true;
                }
            }
        }
        List<Integer> neurons = new ArrayList<>();
        for (int j = 0; j < changed.length; j++) {
            if (changed[j]) {
                neurons.add(j);
            }
        }
        return neurons;
    }

    /** Copies the {@code neurons} slices of a {@code [rows, cols]} matrix, in order, into a packed matrix. */
    private static float[] gather(float[] full, long[] shape, int axis, List<Integer> neurons) {
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        int k = neurons.size();
        float[] packed = new float[(axis == 0 ? cols : rows) * k];
        for (int i = 0; i < k; i++) {
            int j = neurons.get(i);
            if (axis == 0) {
                System.arraycopy(full, j * cols, packed, i * cols, cols);
            } else {
                for (int r = 0; r < rows; r++) {
                    packed[r * k + i] = full[r * cols + j];
                }
            }
        }
        return packed;
    }
}
