package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;

class HotSpotCandidateTest {

    @Test
    void suggestedAndAlternativeRowsByLayer() {
        float[][] scores = {
            {0, 0, 0, 0},
            {1, 5, 2, 2},
            {4, 1, 3, 2},
        };
        LocateResult result = new LocateResult(new double[3], new double[3], new double[3], new double[3], scores,
                List.of(new HotSpot(2, List.of(0, 2))));

        List<HotSpotCandidate> candidates = HotSpotCandidate.from(result);

        assertEquals(2, candidates.size(), "layer 0 has no positive scores and gets no row");
        HotSpotCandidate alternative = candidates.get(0);
        assertEquals(new HotSpot(1, List.of(1, 2)), alternative.hotSpot());
        assertFalse(alternative.suggested());
        assertEquals(7.0 / 10.0, alternative.scoreShare(), 1e-9);
        HotSpotCandidate suggested = candidates.get(1);
        assertTrue(suggested.suggested());
        assertEquals(7.0 / 10.0, suggested.scoreShare(), 1e-9);
    }

    @Test
    void withoutSuggestionsTakesTenthOfLayer() {
        float[][] scores = new float[1][40];
        for (int neuron = 0; neuron < 40; neuron++) {
            scores[0][neuron] = neuron;
        }
        LocateResult result = new LocateResult(new double[1], new double[1], new double[1], new double[1], scores, List.of());

        List<HotSpotCandidate> candidates = HotSpotCandidate.from(result);

        assertEquals(1, candidates.size());
        assertEquals(List.of(36, 37, 38, 39), candidates.get(0).hotSpot().neurons());
    }

    @Test
    void previewShortensLongNeuronLists() {
        String preview = HotSpotTableView.previewNeurons(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));

        assertEquals("1, 2, 3, 4, 5, 6, 7, 8, … (+2 more)", preview);
    }
}
