package org.pkeworkbench.testing;

import ai.djl.ndarray.NDManager;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;

/** Reads a model's outputs for tests. */
public final class ModelOutputs {

    private ModelOutputs() {}

    /** Returns {@code model}'s logits on one sequence {@code ids}, {@code [1, seq, vocab]} flattened. */
    public static float[] logits(DecoderModel model, long[] ids) {
        try (NDManager scope = model.manager().newSubManager()) {
            return model.forward(scope, scope.create(ids).reshape(1, ids.length), ForwardOptions.create()).logits()
                    .toFloatArray();
        }
    }
}
