package org.pkeworkbench.edit;

/**
 * A benign prompt and an answer whose distribution the edit should keep (by default the model's
 * own answer before the edit), as token ids.
 *
 * @param prompt prompt ids, at least one
 * @param answer answer ids, at least one
 */
public record LocalityExample(long[] prompt, long[] answer) {

    public LocalityExample {
        if (prompt.length == 0 || answer.length == 0) {
            throw new IllegalArgumentException("Locality examples need a non-empty prompt and answer");
        }
    }

    public long[] promptAndAnswer() {
        return EditExample.concat(prompt, answer);
    }
}
