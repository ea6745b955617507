package org.pkeworkbench.trace;

import java.util.List;

/**
 * One attention head's share of an attention node, normalised together with the residual and the
 * other heads of that node.
 *
 * @param head the query head index
 * @param weight the normalised contribution, in [0, 1]
 * @param promotedTokens the tokens with the highest logits when the head's output at this node
 *     (without the output projection's bias) alone is read through the final norm and unembedding,
 *     highest first. Decoded text when the tracer had a tokenizer, else token ids. Empty when not computed.
 */
public record HeadContribution(int head, double weight, List<String> promotedTokens) {

    public HeadContribution {
        promotedTokens = List.copyOf(promotedTokens);
    }

    /** A head without promoted tokens. */
    public HeadContribution(int head, double weight) {
        this(head, weight, List.of());
    }
}
