package org.pkeworkbench.app;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Facts about the loaded model that the workbench shows beside the views.
 *
 * @param name short display name, usually the model directory's name
 * @param directory the Hugging Face model directory it was loaded from
 * @param architecture the architecture's Hugging Face class name, derived from {@code model_type} in
 *     {@code config.json}, for example {@code LlamaForCausalLM}
 * @param layerCount number of decoder layers
 * @param hiddenSize width of the residual stream
 * @param intermediateSize MLP neurons per layer
 * @param parameterCount total number of weights
 * @param dataType the data type the weights are computed in, for example {@code float32}
 * @param device where the weights live, for example {@code CPU} or {@code GPU 0}
 * @param weightBytes bytes the weights take in memory in {@code dataType}, or -1 when unknown
 * @param deviceReason why the model runs on {@code device}, for example that libtorch finds no GPU;
 *     empty when the backend gives none
 */
public record ModelSummary(
        String name,
        Path directory,
        String architecture,
        int layerCount,
        int hiddenSize,
        int intermediateSize,
        long parameterCount,
        String dataType,
        String device,
        long weightBytes,
        String deviceReason) {

    /** A summary without the weights' memory and the device's reason. */
    public ModelSummary(String name, Path directory, String architecture, int layerCount, int hiddenSize,
            int intermediateSize, long parameterCount, String dataType, String device) {
        this(name, directory, architecture, layerCount, hiddenSize, intermediateSize, parameterCount, dataType, device,
                -1, "");
    }

    public ModelSummary {
        Objects.requireNonNull(deviceReason, "deviceReason");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(dataType, "dataType");
        Objects.requireNonNull(device, "device");
        if (layerCount <= 0 || hiddenSize <= 0 || intermediateSize <= 0 || parameterCount <= 0) {
            throw new IllegalArgumentException("Model sizes must be positive, got layers=" + layerCount
                    + ", hidden=" + hiddenSize + ", intermediate=" + intermediateSize
                    + ", parameters=" + parameterCount);
        }
    }
}
