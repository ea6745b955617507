package org.pkeworkbench.model;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * The output of one forward pass. Arrays belong to the {@code NDManager} passed to
 * {@link DecoderModel#forward}, so they live as long as that manager. Logits and captures are
 * FLOAT32 for every {@link ComputeDType}, so code downstream computes the same way for float16 and
 * float32 models.
 *
 * @param logits {@code [batch, seq, vocab]} FLOAT32, or null when logits were not requested
 * @param captures values of the requested capture points, by {@link HookPoints} name, FLOAT32
 */
public record ForwardResult(NDArray logits, Map<String, NDArray> captures) {

    /** Returns a captured value, failing with the list of what was captured when it is absent. */
    public NDArray capture(String name) {
        NDArray value = captures.get(name);
        if (value == null) {
            throw new IllegalArgumentException("Capture point '" + name + "' was not recorded; recorded: "
                    + captures.keySet());
        }
        return value;
    }
}
