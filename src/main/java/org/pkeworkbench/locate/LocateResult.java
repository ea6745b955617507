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
 */
public record LocateResult(
        double[] hiddenDifference,
        double[] gradientScore,
        double[] logitLensMargin,
        double[] layerScore,
        float[][] neuronScores,
        List<HotSpot> suggested) {

    public int layerCount() {
        return layerScore.length;
    }
}
