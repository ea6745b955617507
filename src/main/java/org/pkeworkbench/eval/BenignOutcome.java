package org.pkeworkbench.eval;

/**
 * Answers to one benign prompt before and after an edit.
 *
 * @param prompt the benign prompt
 * @param before the answer of the unedited model, the ROUGE-L reference
 * @param after the answer of the edited model
 * @param rougeL ROUGE-L F-measure of {@code after} against {@code before}
 * @param refusedBefore whether {@code before} contains a refusal string
 * @param refusedAfter whether {@code after} contains a refusal string
 */
public record BenignOutcome(
        String prompt, String before, String after, double rougeL, boolean refusedBefore, boolean refusedAfter) {
}
