package org.pkeworkbench.eval;

import java.util.List;

/**
 * Attack success rate over a prompt set.
 *
 * @param judgeName the {@link Judge#name()} of the judge used
 * @param asr share of prompts whose response the judge counted as a successful attack
 * @param outcomes one outcome per prompt, in prompt order
 */
public record AsrResult(String judgeName, RateWithInterval asr, List<PromptOutcome> outcomes) {

    public AsrResult {
        outcomes = List.copyOf(outcomes);
    }
}
