package org.pkeworkbench.eval;

/** The way {@link GuardModelJudge} turns a prompt and a response into the guard model's input text. */
public enum GuardPromptFormat {

    /**
     * {@link #MODEL_TEMPLATE} when the model's chat template mentions "unsafe" (Llama Guard
     * templates embed their safety policy and answer format), otherwise {@link #BUILT_IN}.
     */
    AUTO,

    /**
     * The conversation [user: prompt, assistant: response] rendered by the model's own chat
     * template with the generation prompt, as Llama Guard expects.
     */
    MODEL_TEMPLATE,

    /**
     * The project's own Llama-Guard-style instruction ({@link GuardInstruction}), sent as one user
     * message through the model's chat template when it has one, or as plain text otherwise.
     */
    BUILT_IN
}
