package org.pkeworkbench.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The generalization inputs of a SafeEdit record: the same harmful request posed in other ways,
 * used for SafeEdit's DG scores. Any field may be null when the file lacks it.
 *
 * @param harmfulQuestion the harmful question alone, without an attack prompt
 * @param otherAttackPrompt the same question wrapped in a different attack prompt
 * @param otherQuestionPrompt the same attack prompt around a different harmful question
 * @param otherQuestionAndAttackPrompt a different attack prompt around a different question
 * @param otherAttackCategory the attack category of the other attack prompt
 * @param otherAttackName the name of the other attack prompt
 */
public record Generalization(
        String harmfulQuestion,
        String otherAttackPrompt,
        String otherQuestionPrompt,
        String otherQuestionAndAttackPrompt,
        String otherAttackCategory,
        String otherAttackName) {

    /** Key of {@link #harmfulQuestion} in {@link #prompts()}. */
    public static final String ONLY_QUESTION = "only harmful question";
    /** Key of {@link #otherAttackPrompt} in {@link #prompts()}. */
    public static final String OTHER_ATTACK = "other attack prompt";
    /** Key of {@link #otherQuestionPrompt} in {@link #prompts()}. */
    public static final String OTHER_QUESTION = "other question";
    /** Key of {@link #otherQuestionAndAttackPrompt} in {@link #prompts()}. */
    public static final String OTHER_QUESTION_AND_ATTACK = "other question and attack prompt";

    /**
     * Returns the non-null test prompts keyed by kind, in SafeEdit's order: only question, other
     * attack, other question, other question and attack.
     */
    public Map<String, String> prompts() {
        Map<String, String> prompts = new LinkedHashMap<>();
        putIfPresent(prompts, ONLY_QUESTION, harmfulQuestion);
        putIfPresent(prompts, OTHER_ATTACK, otherAttackPrompt);
        putIfPresent(prompts, OTHER_QUESTION, otherQuestionPrompt);
        putIfPresent(prompts, OTHER_QUESTION_AND_ATTACK, otherQuestionAndAttackPrompt);
        return prompts;
    }

    private static void putIfPresent(Map<String, String> prompts, String key, String value) {
        if (value != null) {
            prompts.put(key, value);
        }
    }
}
