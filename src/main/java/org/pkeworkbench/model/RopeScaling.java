package org.pkeworkbench.model;

/**
 * The {@code rope_scaling} block of a Llama-family {@code config.json}.
 *
 * @param type {@code "llama3"} or {@code "linear"}; {@code "default"} means no scaling
 * @param factor the position scaling factor
 * @param lowFreqFactor Llama 3 only: wavelengths above {@code originalMaxPositions / lowFreqFactor} are scaled fully
 * @param highFreqFactor Llama 3 only: wavelengths below {@code originalMaxPositions / highFreqFactor} are not scaled
 * @param originalMaxPositions Llama 3 only: the context length the model was pretrained on
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {

    public static final RopeScaling NONE = new RopeScaling("default", 1.0, 1.0, 1.0, 0);
}
