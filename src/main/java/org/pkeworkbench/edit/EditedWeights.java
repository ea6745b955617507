package org.pkeworkbench.edit;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.SliceChange;

/**
 * The weights that the forward passes of one edit step use in place of the stored ones: whole matrices
 * that replace stored ones, and changes added to some neurons' slices without building the
 * changed matrix. Both keep their autograd history to the trainable arrays.
 *
 * @param overrides replacement weights by parameter name, each of the stored weight's shape
 * @param sliceChanges slice changes by parameter name (see {@link SliceChange})
 */
record EditedWeights(Map<String, NDArray> overrides, Map<String, SliceChange> sliceChanges) {

    /** No change: the passes use the stored weights. */
    static final EditedWeights NONE = new EditedWeights(Map.of(), Map.of());

    EditedWeights {
        overrides = Map.copyOf(overrides);
        sliceChanges = Map.copyOf(sliceChanges);
    }

    /** Adds these weights to {@code options} and returns it. */
    ForwardOptions applyTo(ForwardOptions options) {
        return options.overrides(overrides).changeSlices(sliceChanges);
    }
}
