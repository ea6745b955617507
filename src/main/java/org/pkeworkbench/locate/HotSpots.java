package org.pkeworkbench.locate;

import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Neuron selection within one hot-spot layer, shared by every ranking (locator score, probe
 * movement) so that {@link LocateSettings.NeuronSelection} means the same thing everywhere.
 */
public final class HotSpots {

    private HotSpots() {}

    /**
     * Returns the indices of the neurons to edit, best first: the highest {@code scores} as
     * {@code settings} selects them. Ties go to the lower index, and at least one neuron is always
     * selected, also when every score is zero.
     *
     * @param scores one non-negative score per neuron, {@code [intermediate]}
     */
    public static List<Integer> selectNeurons(float[] scores, LocateSettings settings) {
        if (scores.length == 0) {
            throw new IllegalArgumentException("Cannot select neurons from an empty score array");
        }
        List<Integer> order = IntStream.range(0, scores.length).boxed()
                .sorted(Comparator.comparingDouble((Integer j) -> -scores[j]).thenComparingInt(j -> j))
                .toList();
        int keep;
        switch (settings.selection()) {
            case COUNT:
                keep = (int) Math.min(scores.length, Math.round(settings.selectionValue()));
                break;
            case FRACTION:
                keep = (int) Math.max(1, Math.round(settings.selectionValue() * scores.length));
                break;
            default:
                keep = scoreShareCount(scores, order, settings.selectionValue());
                break;
        }
        return order.subList(0, Math.max(1, keep));
    }

    /**
     * The fewest neurons, taken in {@code order}, whose scores add up to {@code share} of the total.
     * A relative tolerance of 1e-9 keeps rounding from adding a neuron when the sum meets the share
     * exactly (4 of 10 is 40%, although {@code 0.4 * 10} is slightly above 4 in floating point).
     */
    private static int scoreShareCount(float[] scores, List<Integer> order, double share) {
        double total = 0;
        for (float score : scores) {
            total += score;
        }
        double target = share * total * (1 - 1e-9);
        double covered = 0;
        int keep = 0;
        while (keep < order.size() && (keep == 0 || covered < target)) {
            covered += scores[order.get(keep)];
            keep++;
        }
        return keep;
    }
}
