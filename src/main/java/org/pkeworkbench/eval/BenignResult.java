package org.pkeworkbench.eval;

import java.util.List;

/**
 * General-capability metrics on benign prompts, comparing answers after an edit with answers
 * before it.
 *
 * @param rougeLMean mean ROUGE-L F-measure of the after-answers against the before-answers
 * @param overRefusal share of benign prompts refused after the edit
 * @param overRefusalBefore share of benign prompts refused before the edit, the baseline
 * @param fluencyBefore mean weighted n-gram entropy of the before-answers, in bits ({@link Fluency})
 * @param fluencyAfter mean weighted n-gram entropy of the after-answers, in bits
 * @param outcomes one outcome per prompt, in prompt order
 */
public record BenignResult(
        double rougeLMean,
        RateWithInterval overRefusal,
        RateWithInterval overRefusalBefore,
        double fluencyBefore,
        double fluencyAfter,
        List<BenignOutcome> outcomes) {

    public BenignResult {
        outcomes = List.copyOf(outcomes);
    }
}
