package org.pkeworkbench.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How prompts are grouped into batches: by length, by count and by the attention budget. */
class ModelResponderPlanTest {

    @Test
    void shortPromptsFillBatchesLongestFirst() {
        int[] lengths = {5, 9, 7, 3, 8};

        List<List<Integer>> batches = ModelResponder.plan(lengths, 2, 40, 1L << 28);

        assertEquals(List.of(List.of(1, 4), List.of(2, 0), List.of(3)), batches);
    }

    @Test
    void longPromptsAreSplitToStayWithinTheBudget() {
        // 40 * 100^2 = 400000 elements per prompt: a budget of 1000000 fits two of them.
        int[] lengths = {100, 100, 100, 100, 10};

        List<List<Integer>> batches = ModelResponder.plan(lengths, 8, 40, 1_000_000);

        // The third long prompt would make 1200000; the short one cannot join a batch of long ones
        // either, because the batch's cost counts its longest prompt for every row.
        assertEquals(List.of(List.of(0, 1), List.of(2, 3), List.of(4)), batches);
    }

    @Test
    void aPromptOverTheBudgetStillRunsAlone() {
        List<List<Integer>> batches = ModelResponder.plan(new int[] {1000, 1000}, 8, 40, 10);

        assertEquals(List.of(List.of(0), List.of(1)), batches);
    }
}
