package org.pkeworkbench.locate;

import java.util.List;

/**
 * Scores from the locate step, averaged over all edit records, and the hot spots they suggest.
 * Arrays are indexed by decoder layer; {@code neuronScores} is {@code [layers][intermediate]}.
 *
 * @param hiddenDifference per layer, {@code |mean h(unsafe) - mean h(safe)| / |mean h|}
 * @param gradientScore per layer, Frobenius norm of {@code dNLL(safe)/dW_down}
 * @param logitLensMargin per layer, how much more the layer's residual read through the final
 *     norm and unembedding favours the unsafe continuation than the safe one (nats)
 * @param layerScore the combined per-layer score used to pick layers
 * @param neuronScores per layer and neuron, {@code |mean a(unsafe) - mean a(safe)| * |dNLL(safe)/da|}
 * @param suggested the hot spots proposed from these scores
 * @param neuronActivationDifference per layer and neuron, {@code |mean a(unsafe) - mean a(safe)|}
 *     averaged over records (the first factor of {@code neuronScores})
 * @param neuronGradientMagnitude per layer and neuron, {@code |dNLL(safe)/da|} averaged over the
 *     response tokens and then over records (the second factor). {@code neuronScores} is the mean
 *     of the per-record products, so it is not the product of these two means.
 */
public record LocateResult(
        double[] hiddenDifference,
        double[] gradientScore,
        double[] logitLensMargin,
        double[] layerScore,
        float[][] neuronScores,
        List<HotSpot> suggested,
        float[][] neuronActivationDifference,
        float[][] neuronGradientMagnitude) {

    /** A result without the two factor tables (they are filled with zeros of {@code neuronScores}' shape). */
    public LocateResult(double[] hiddenDifference, double[] gradientScore, double[] logitLensMargin,
            double[] layerScore, float[][] neuronScores, List<HotSpot> suggested) {
        this(hiddenDifference, gradientScore, logitLensMargin, layerScore, neuronScores, suggested,
                zerosLike(neuronScores), zerosLike(neuronScores));
    }

    private static float[][] zerosLike(float[][] table) {
        float[][] out = new float[table.length][];
        for (int l = 0; l < table.length; l++) {
            out[l] = new float[table[l].length];
        }
        return out;
    }

    public int layerCount() {
        return layerScore.length;
    }
}
