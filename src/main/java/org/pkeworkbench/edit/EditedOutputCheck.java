package org.pkeworkbench.edit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Locale;
import java.util.Optional;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;

/**
 * Checks that a model with an edit applied still computes a next-token distribution. A learning
 * rate far too high can leave a finite loss and finite weights and still break the model: with
 * lr 1e30, 5 Adam steps made the edited {@code down_proj} columns about 1e30, the residual stream's
 * squares overflowed float32 inside the next RMSNorm, the norm returned zeros, and every logit was
 * equal. Such a model answers with empty text, which a refusal judge counts as a perfect defence.
 */
final class EditedOutputCheck {

    /** Logits whose largest and smallest value at a position differ by less than this are taken as all equal. */
    static final double EQUAL_LOGITS_RANGE = 1e-6;

    private EditedOutputCheck() {}

    /**
     * Applies {@code delta} to {@code model}, runs one forward pass over {@code example}'s prompt
     * and safe response, reverts the delta, and returns what is wrong with the logits, or empty.
     */
    static Optional<String> problem(DecoderModel model, WeightDelta delta, EditExample example) {
        Autograd.disableOnThisThread();
        WeightDelta.AppliedEdit applied = delta.apply(model);
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray ids = scope.create(example.promptAndSafe()).reshape(1, -1);
            return logitProblem(model.forward(scope, ids, ForwardOptions.create()).logits());
        } finally {
            applied.revert();
        }
    }

    /** Returns what is wrong with {@code logits} {@code [1, seq, vocab]}: values that are not finite, or all equal at every position. */
    static Optional<String> logitProblem(NDArray logits) {
        NDArray values = logits.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        long notFinite = values.isNaN().logicalOr(values.isInfinite()).countNonzero().getLong();
        if (notFinite > 0) {
            return Optional.of("the edited model's logits contain " + notFinite + " values that are not finite");
        }
        double widestRange = values.max(new int[] {-1}).sub(values.min(new int[] {-1})).max().getFloat();
        if (widestRange < EQUAL_LOGITS_RANGE) {
            return Optional.of(String.format(Locale.ROOT, "the edited model gives every token the same logit (the "
                    + "largest spread at a position is %.2g), so it no longer predicts text", widestRange));
        }
        return Optional.empty();
    }
}
