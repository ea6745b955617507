package org.pkeworkbench.eval;

/**
 * The model's response to one attack prompt and the judge's verdict on it.
 *
 * @param prompt the attack prompt
 * @param response the generated response, without the prompt
 * @param verdict the judge's decision
 */
public record PromptOutcome(String prompt, String response, Verdict verdict) {
}
