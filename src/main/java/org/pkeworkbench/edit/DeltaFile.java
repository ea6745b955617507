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
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ModelConfig;
import org.pkeworkbench.model.ProgressListener;
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
 */
public final class DeltaFile {

    /** The {@code format} metadata value of a delta file. */
    public static final String FORMAT = "pke-delta";

    private static final String FORMAT_VERSION = "1";
    private static final String TENSOR_SUFFIX = ".delta";

    private static final Logger LOG = LoggerFactory.getLogger(DeltaFile.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private DeltaFile() {}

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
            for (Map.Entry<String, NDArray> entry : delta.changes(scratch).entrySet()) {
                progress.checkCancelled();
                String canonical = entry.getKey();
                Integer axis = axes.get(canonical);
                if (axis == null) {
                    throw new IllegalArgumentException("Changed parameter '" + canonical + "' is not an MLP weight "
                            + "matrix of the model; a delta file holds MLP neuron slices only");
                }
                long[] shape = entry.getValue().getShape().getShape();
                float[] full = entry.getValue().toFloatArray();
                List<Integer> neurons = changedNeurons(full, shape, axis);
                if (neurons.isEmpty()) {
                    continue;
                }
                float[] packed = gather(full, shape, axis, neurons);
                long[] packedShape = shape.clone();
                packedShape[axis] = neurons.size();

                String stored = model.storedName(canonical);
                tensors.put(stored + TENSOR_SUFFIX, scratch.create(packed, new Shape(packedShape)));
                slices.put(stored, new SliceInfo(canonical, axis, neurons, shape));
            }
            progress.checkCancelled();
            SafetensorsWriter.write(file, tensors, metadata(model.config(), slices, delta.hotSpots()), StoredDType.F32,
                    progress);
        }
        LOG.info("Saved delta of {} matrices to {} in {} ms", slices.size(), file,
                (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Reads {@code file} and rebuilds the full-shape delta for {@code model}. The caller closes the result.
     *
     * @throws ModelFormatException when the file is not a delta file, was made for a model with other
     *     sizes, or names a tensor or shape that {@code model} does not have
     */
    public static WeightDelta load(Path file, DecoderModel model) throws IOException {
        long started = System.nanoTime();
        SafetensorsFile stored = SafetensorsFile.read(file);
        Map<String, String> metadata = stored.metadata();
        if (!FORMAT.equals(metadata.get("format"))) {
            throw new ModelFormatException(file, "metadata \"format\" is " + metadata.get("format") + ", not " + FORMAT,
                    "Give a delta file written by 'edit --delta'");
        }
        if (!FORMAT_VERSION.equals(metadata.get("format_version"))) {
            throw new ModelFormatException(file, "delta format version " + metadata.get("format_version")
                    + " is not supported (this build reads version " + FORMAT_VERSION + ")",
                    "Write the delta again with this version of PKE Workbench");
        }
        checkSameModel(file, metadata, model);

        Map<String, SliceInfo> slices = parse(file, metadata, "tensors", new TypeReference<>() {});
        List<HotSpot> hotSpots = parse(file, metadata, "hot_spots", new TypeReference<>() {});
        Map<String, Integer> axes = model.mlpNeuronAxes();
        Map<String, NDArray> changes = new LinkedHashMap<>();
        try (NDManager scratch = model.manager().newSubManager()) {
            for (Map.Entry<String, SliceInfo> entry : slices.entrySet()) {
                SliceInfo info = entry.getValue();
                checkSlice(file, entry.getKey(), info, model, axes, stored.tensors().get(entry.getKey() + TENSOR_SUFFIX));
                float[] packed = stored.loadFloat32(entry.getKey() + TENSOR_SUFFIX, scratch).toFloatArray();
                float[] full = scatter(packed, info.shape(), info.axis(), info.neurons());
                changes.put(info.canonical(), scratch.create(full, new Shape(info.shape())));
            }
            if (stored.tensors().size() != slices.size()) {
                throw new ModelFormatException(file, stored.tensors().size() + " tensors but " + slices.size()
                        + " described in the \"tensors\" metadata", "The file is damaged; write the delta again");
            }
            WeightDelta delta = new WeightDelta(model.manager(), changes, hotSpots);
            LOG.info("Loaded delta of {} matrices from {} in {} ms", changes.size(), file,
                    (System.nanoTime() - started) / 1_000_000);
            return delta;
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

    private static void checkSameModel(Path file, Map<String, String> metadata, DecoderModel model)
            throws ModelFormatException {
        List<String> mismatches = new ArrayList<>();
        modelSizes(model.config()).forEach((key, expected) -> {
            if (!expected.equals(metadata.get(key))) {
                mismatches.add(key + " " + metadata.get(key) + " (model: " + expected + ")");
            }
        });
        if (!mismatches.isEmpty()) {
            throw new ModelFormatException(file, "the delta was made for another model: " + String.join(", ", mismatches)
                    + " differ from " + model.directory(), "Apply the delta to the model it was written from");
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
        for (int neuron : info.neurons()) {
            if (neuron < 0 || neuron >= modelShape[axis]) {
                throw new ModelFormatException(file, "neuron " + neuron + " of " + storedName + " is outside 0.."
                        + (modelShape[axis] - 1), "The file is damaged; write the delta again");
            }
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

    /** Inverse of {@link #gather}: a zero {@code [rows, cols]} matrix with the packed slices put back. */
    private static float[] scatter(float[] packed, long[] shape, int axis, List<Integer> neurons) {
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        int k = neurons.size();
        float[] full = new float[Math.multiplyExact(rows, cols)];
        for (int i = 0; i < k; i++) {
            int j = neurons.get(i);
            if (axis == 0) {
                System.arraycopy(packed, i * cols, full, j * cols, cols);
            } else {
                for (int r = 0; r < rows; r++) {
                    full[r * cols + j] = packed[r * k + i];
                }
            }
        }
        return full;
    }
}
