package org.pkeworkbench.eval;

/**
 * Decides which of two responses to an instruction is better. Win rates take A as the candidate
 * model's response and B as the baseline's.
 */
public interface PairwiseJudge {

    /** A short name for reports, such as {@code rouge-l-overlap}. */
    String name();

    /** Compares two responses to {@code instruction}. */
    Preference compare(String instruction, String responseA, String responseB);
}
