package org.pkeworkbench.app;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;

/**
 * One row the user can include in an edit: a hot spot and how much of its layer's neuron score
 * it covers.
 *
 * @param hotSpot the layer and neurons
 * @param suggested whether the locate step suggested it
 * @param scoreShare sum of the hot spot's neuron scores over the sum of all neuron scores of its
 *     layer, in [0, 1], or NaN when the layer has no positive scores
 */
record HotSpotCandidate(HotSpot hotSpot, boolean suggested, double scoreShare) {

    /** Fraction of a layer's neurons proposed for layers without a suggestion when nothing was suggested. */
    static final double DEFAULT_NEURON_FRACTION = 0.1;

    /**
     * Lists the suggested hot spots of {@code result} and, for every other layer that has positive
     * neuron scores, its top neurons by score as an unsuggested alternative. The alternatives take
     * as many neurons as the largest suggested hot spot, or a tenth of the layer when nothing was
     * suggested. Rows are sorted by layer.
     */
    static List<HotSpotCandidate> from(LocateResult result) {
        float[][] scores = result.neuronScores();
        List<HotSpotCandidate> candidates = new ArrayList<>();
        for (HotSpot hotSpot : result.suggested()) {
            candidates.add(new HotSpotCandidate(hotSpot, true, scoreShare(scores, hotSpot)));
        }

        int alternativeSize = result.suggested().stream().mapToInt(hotSpot -> hotSpot.neurons().size()).max().orElse(0);
        for (int layer = 0; scores != null && layer < scores.length; layer++) {
            int currentLayer = layer;
            boolean hasSuggestion = result.suggested().stream().anyMatch(hotSpot -> hotSpot.layer() == currentLayer);
            if (hasSuggestion || positiveTotal(scores[layer]) == 0) {
                continue;
            }
            int size = alternativeSize > 0
                    ? alternativeSize
                    : Math.max(1, (int) Math.ceil(scores[layer].length * DEFAULT_NEURON_FRACTION));
            HotSpot topNeurons = new HotSpot(layer, topNeurons(scores[layer], size));
            candidates.add(new HotSpotCandidate(topNeurons, false, scoreShare(scores, topNeurons)));
        }

        candidates.sort(Comparator.comparingInt((HotSpotCandidate candidate) -> candidate.hotSpot().layer())
                .thenComparing(candidate -> !candidate.suggested()));
        return candidates;
    }

    private static List<Integer> topNeurons(float[] layerScores, int count) {
        return IntStream.range(0, layerScores.length)
                .boxed()
                .filter(neuron -> !Float.isNaN(layerScores[neuron]))
                .sorted(Comparator.comparingDouble((Integer neuron) -> layerScores[neuron]).reversed())
                .limit(count)
                .toList();
    }

    /** Returns the score share of {@code hotSpot} in {@code [layers][neurons]} {@code scores}, NaN when it is undefined. */
    static double scoreShare(float[][] scores, HotSpot hotSpot) {
        if (scores == null || hotSpot.layer() >= scores.length) {
            return Double.NaN;
        }
        float[] layerScores = scores[hotSpot.layer()];
        double total = positiveTotal(layerScores);
        if (total == 0) {
            return Double.NaN;
        }
        double covered = 0;
        for (int neuron : hotSpot.neurons()) {
            if (neuron < layerScores.length && layerScores[neuron] > 0) {
                covered += layerScores[neuron];
            }
        }
        return covered / total;
    }

    /** Returns the sum of the positive scores, which is all non-NaN scores when they are magnitudes. */
    private static double positiveTotal(float[] layerScores) {
        double total = 0;
        for (float score : layerScores) {
            if (score > 0) {
                total += score;
            }
        }
        return total;
    }
}
