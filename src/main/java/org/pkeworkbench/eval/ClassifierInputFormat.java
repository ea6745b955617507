package org.pkeworkbench.eval;

/** How {@link SequenceClassificationJudge} turns a prompt and a response into the classifier's input text. */
public enum ClassifierInputFormat {

    /** {@link #CHAT_TEMPLATE} when the classifier's tokenizer has a chat template, otherwise {@link #PLAIN}. */
    AUTO,

    /** The conversation [user: prompt, assistant: response] rendered by the chat template, without a generation prompt. */
    CHAT_TEMPLATE,

    /** The prompt, a blank line, then the response. */
    PLAIN
}
