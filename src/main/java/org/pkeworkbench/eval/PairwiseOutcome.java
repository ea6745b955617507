package org.pkeworkbench.eval;

/**
 * One pairwise comparison of a win-rate run.
 *
 * @param id the record id from the prompt file
 * @param instruction the prompt both responses answer
 * @param candidate the evaluated model's response (A)
 * @param baseline the reference output it is compared with (B)
 * @param preference the judge's verdict
 */
public record PairwiseOutcome(String id, String instruction, String candidate, String baseline,
        Preference preference) {
}
