package org.pkeworkbench.app;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.pkeworkbench.trace.TopToken;

/**
 * The original and the edited model's greedy responses to one prompt, for the Compare tab.
 *
 * @param prompt the user's prompt, before any chat template
 * @param original the response with the original weights
 * @param edited the response with the applied edits, or null when no edit is applied
 * @param appliedEdits names of the applied edits, oldest first; empty when {@code edited} is null
 */
public record ModelComparison(String prompt, Response original, Response edited, List<String> appliedEdits) {

    /**
     * One model's response and its internals at the prompt's last token.
     *
     * @param text the greedy response, special tokens skipped
     * @param nextTokens the most likely first response tokens, most likely first, with softmax
     *     probabilities at the prompt's last position
     * @param lens the logit lens at the prompt's last position: the most likely next token read from
     *     the embedding output (index 0) and after each decoder layer (index {@code l + 1}); empty when
     *     not measured
     * @param neuronActivations MLP neuron activations (the down projection's input) at the prompt's
     *     last position, {@code [layers][intermediate]}; empty when not measured
     */
    public record Response(String text, List<TopToken> nextTokens, List<TopToken> lens, float[][] neuronActivations) {

        /** Creates a response without lens or activations. */
        public Response(String text, List<TopToken> nextTokens) {
            this(text, nextTokens, List.of(), new float[0][]);
        }

        public Response {
            Objects.requireNonNull(text, "text");
            nextTokens = List.copyOf(nextTokens);
            lens = List.copyOf(lens);
            Objects.requireNonNull(neuronActivations, "neuronActivations");
        }

        /** Compares the activations by value, not by array identity. */
        @Override
        public boolean equals(Object other) {
            return other instanceof Response response && text.equals(response.text)
                    && nextTokens.equals(response.nextTokens) && lens.equals(response.lens)
                    && Arrays.deepEquals(neuronActivations, response.neuronActivations);
        }

        @Override
        public int hashCode() {
            return Objects.hash(text, nextTokens, lens, Arrays.deepHashCode(neuronActivations));
        }

        @Override
        public String toString() {
            return "Response[text=" + text + ", nextTokens=" + nextTokens + ", lens=" + lens + ", neuronActivations="
                    + neuronActivations.length + " layers]";
        }
    }

    public ModelComparison {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(original, "original");
        appliedEdits = List.copyOf(appliedEdits);
    }

    public boolean hasEdit() {
        return edited != null;
    }
}
