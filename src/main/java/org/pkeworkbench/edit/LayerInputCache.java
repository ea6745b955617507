package org.pkeworkbench.edit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.HookPoints;

/**
 * The residual stream entering the first edited layer, {@code [1, seq, hidden]} for every
 * sequence that an edit's loss reads: each record's prompt with its safe response, with its
 * unsafe response where the unlikelihood is measured, and each locality record.
 *
 * <p>No weight below the first edited layer trains, so these values are the same in every step.
 * They are computed once per edit by full forward passes without gradient recording, and every
 * step then runs only from that layer on. {@link #none()} is the full-recomputation mode, in which
 * every step runs the whole model.
 */
final class LayerInputCache {

    private final int layer;
    private final List<NDArray> safe;
    private final List<NDArray> unsafe;
    private final List<NDArray> locality;

    private LayerInputCache(int layer, List<NDArray> safe, List<NDArray> unsafe, List<NDArray> locality) {
        this.layer = layer;
        this.safe = safe;
        this.unsafe = unsafe;
        this.locality = locality;
    }

    /** Returns the mode without cached inputs: every forward pass starts at the embedding. */
    static LayerInputCache none() {
        return new LayerInputCache(0, List.of(), List.of(), List.of());
    }

    /**
     * Computes the inputs of {@code layer} for every sequence of the edit. Must run outside a
     * gradient collector, so that no autograd history is kept.
     *
     * @param withUnsafe whether the loss reads the unsafe responses; records whose unsafe response
     *     does not differ from the safe one get no entry either way
     * @param scope owns the cached arrays; it must outlive every step of the edit
     */
    static LayerInputCache compute(DecoderModel model, NDManager scope, int layer, List<EditExample> examples,
            boolean withUnsafe, List<LocalityExample> locality) {
        List<NDArray> safe = new ArrayList<>();
        List<NDArray> unsafe = new ArrayList<>();
        for (EditExample example : examples) {
            safe.add(layerInput(model, scope, layer, example.promptAndSafe()));
            boolean unsafeRead = withUnsafe && example.sharedResponsePrefix() < example.unsafe().length;
            unsafe.add(unsafeRead ? layerInput(model, scope, layer, example.promptAndUnsafe()) : null);
        }
        List<NDArray> localityInputs = new ArrayList<>();
        for (LocalityExample example : locality) {
            localityInputs.add(layerInput(model, scope, layer, example.promptAndAnswer()));
        }
        return new LayerInputCache(layer, safe, Collections.unmodifiableList(unsafe), localityInputs);
    }

    private static NDArray layerInput(DecoderModel model, NDManager scope, int layer, long[] ids) {
        String point = HookPoints.residPre(layer);
        NDArray input = scope.create(ids).reshape(1, -1);
        return model.forward(scope, input, ForwardOptions.create().capture(point).withoutLogits()).capture(point);
    }

    /** Returns the options of a step's forward pass over the sequence whose cached input is {@code cached}. */
    ForwardOptions options(NDArray cached, EditedWeights weights) {
        ForwardOptions options = weights.applyTo(ForwardOptions.create());
        return cached == null ? options : options.startAt(layer, cached);
    }

    /** Returns the cached input of record {@code index}'s prompt and safe response, or null without a cache. */
    NDArray safe(int index) {
        return safe.isEmpty() ? null : safe.get(index);
    }

    /** Returns the cached input of record {@code index}'s prompt and unsafe response, or null. */
    NDArray unsafe(int index) {
        return unsafe.isEmpty() ? null : unsafe.get(index);
    }

    /** Returns the cached input of locality record {@code index}, or null without a cache. */
    NDArray locality(int index) {
        return locality.isEmpty() ? null : locality.get(index);
    }
}
