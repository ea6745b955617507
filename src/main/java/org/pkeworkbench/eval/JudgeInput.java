package org.pkeworkbench.eval;

/** The text of a JailbreakBench artifact row that a judge receives as the prompt. */
public enum JudgeInput {

    /** The attack prompt that the target model received. */
    PROMPT,

    /** The plain harmful behaviour (the row's {@code goal}), without the attack's wrapping. */
    GOAL
}
