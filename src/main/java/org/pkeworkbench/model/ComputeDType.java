package org.pkeworkbench.model;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * The floating-point type that a {@link DecoderModel} stores its weights in and computes with.
 *
 * <p>{@link #FLOAT32} is the default. {@link #FLOAT16} halves the weight memory (2 bytes per
 * parameter), which is what lets a 7B-8B model fit on a 24 GB GPU. With FLOAT16 the matrix
 * products, activations, residual stream and KV cache are float16, while norm statistics,
 * attention softmax, logits and everything computed from logits stay float32 (see
 * {@link DecoderModel}). BFLOAT16 is not offered: DJL 0.36 with PyTorch 2.7.1 aborts the JVM
 * when it creates, loads or converts to a BFLOAT16 array.
 */
public enum ComputeDType {
    FLOAT32(DataType.FLOAT32, 4),
    FLOAT16(DataType.FLOAT16, 2);

    private final DataType dataType;
    private final int bytesPerParameter;

    ComputeDType(DataType dataType, int bytesPerParameter) {
        this.dataType = dataType;
        this.bytesPerParameter = bytesPerParameter;
    }

    /** Returns the DJL type of weights and activations. */
    public DataType dataType() {
        return dataType;
    }

    /** Returns the bytes one weight takes in memory. */
    public int bytesPerParameter() {
        return bytesPerParameter;
    }

    /** Returns the lower-case name that the command line takes and reports record: {@code float32} or {@code float16}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code float32} or {@code float16}; {@code fp32}, {@code fp16}, {@code f32},
     * {@code f16} and {@code half} are accepted too, in any case.
     *
     * @throws IllegalArgumentException for bfloat16, with the reason it is unsupported, and for
     *     any other value
     */
    public static ComputeDType parse(String value) {
        String normalized = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        switch (normalized) {
            case "float32", "fp32", "f32":
                return FLOAT32;
            case "float16", "fp16", "f16", "half":
                return FLOAT16;
            case "bfloat16", "bf16":
                throw new IllegalArgumentException("Data type '" + value + "' is not supported: DJL 0.36 with "
                        + "PyTorch 2.7.1 aborts the JVM when it creates or converts a BFLOAT16 array. Use float16 "
                        + "on a GPU (BF16 weights are converted on load) or float32");
            default:
                throw new IllegalArgumentException("Unknown data type '" + value + "'; use float32 or float16");
        }
    }
}
