package org.pkeworkbench.trace;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import org.pkeworkbench.model.Architecture;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardResult;
import org.pkeworkbench.model.HookPoints;
import org.pkeworkbench.model.ModelConfig;

/**
 * Splits one layer's attention output of a single sequence into exact parts per head and per
 * source token: {@code attn_out[t] = sum over h, s of pattern[h, t, s] * v[s, h] @ W_o[h] + bias}.
 *
 * <p>Reads the captures {@code layers.L.attn.pattern} and {@code layers.L.attn.v} of a forward pass
 * with batch 1 and no KV cache, so {@code keySeq == seq}. Query head {@code h} reads key/value head
 * {@code h / (heads / kvHeads)}, as in {@code DecoderModel.attend}. Every array it creates
 * belongs to the manager given to {@link #of}.
 */
public final class AttentionDecomposition {

    private final NDArray pattern;
    private final NDArray valueOutputs;
    private final NDArray bias;

    private AttentionDecomposition(NDArray pattern, NDArray valueOutputs, NDArray bias) {
        this.pattern = pattern;
        this.valueOutputs = valueOutputs;
        this.bias = bias;
    }

    /**
     * Prepares the decomposition of {@code layer} from a forward pass that captured its pattern and
     * values; the arrays it creates, now and in later calls, belong to {@code manager}.
     */
    public static AttentionDecomposition of(NDManager manager, DecoderModel model, ForwardResult captured,
            int layer) {
        ModelConfig config = model.config();
        int heads = config.numHeads();
        int kvHeads = config.numKeyValueHeads();
        int headDim = config.headDim();
        int hidden = config.hiddenSize();

        NDArray pattern = captured.capture(HookPoints.attnPattern(layer));
        NDArray values = captured.capture(HookPoints.attnV(layer));
        if (pattern.getShape().get(0) != 1) {
            throw new IllegalArgumentException("Contributions need a forward pass over one sequence, but the captured pattern is "
                    + pattern.getShape() + "; run the model on a batch of 1");
        }
        pattern = owned(manager, pattern.squeeze(0));
        values = owned(manager, values.squeeze(0));
        long keySeq = values.getShape().get(1);

        // Repeat each key/value head for the query heads that share it: [heads, keySeq, headDim].
        NDArray perQueryHead = values.expandDims(1)
                .broadcast(kvHeads, heads / kvHeads, keySeq, headDim)
                .reshape(heads, keySeq, headDim);

        // Output projection as [heads, headDim, hidden], so value @ projection maps one head into the residual.
        NDArray projection = owned(manager, outputProjection(manager, model, layer)).reshape(heads, headDim, hidden);
        NDArray valueOutputs = perQueryHead.matMul(projection);
        return new AttentionDecomposition(pattern, valueOutputs, outputBias(manager, model, layer));
    }

    /**
     * Per source token, the attention output it sends to each target, summed over heads and
     * without the bias: {@code [keySeq, seq, hidden]}, entry {@code [s, t]}.
     */
    public NDArray perSource() {
        return perSource(0, pattern.getShape().get(1));
    }

    /**
     * Per source token, the attention output it sends to targets {@code fromTarget} (inclusive) to
     * {@code toTarget} (exclusive), summed over heads and without the bias: {@code [keySeq, toTarget - fromTarget, hidden]}.
     */
    public NDArray perSource(long fromTarget, long toTarget) {
        NDArray byTarget = pattern.get(new NDIndex(":, {}:{}, :", fromTarget, toTarget)).transpose(2, 1, 0);
        return byTarget.matMul(valueOutputs.transpose(1, 0, 2));
    }

    /** Per head, its attention output at each target, without the bias: {@code [heads, seq, hidden]}. */
    public NDArray perHead() {
        return pattern.matMul(valueOutputs);
    }

    /** Returns the output projection's bias, {@code [hidden]}, or null when the model has none. */
    public NDArray bias() {
        return bias;
    }

    /**
     * Returns the attention output projection as float32 {@code [heads * headDim, hidden]} (input
     * rows, output columns), always a new array object, so the caller may attach it to its manager.
     */
    static NDArray outputProjection(NDManager manager, DecoderModel model, int layer) {
        if (model.config().architecture() == Architecture.GPT2) {
            // GPT-2 Conv1D weights are stored [in, out] already.
            NDArray weight = model.parameterFloat32("h." + layer + ".attn.c_proj.weight", manager);
            return weight.reshape(weight.getShape());
        }
        return model.parameterFloat32("model.layers." + layer + ".self_attn.o_proj.weight", manager).transpose();
    }

    /** Moves an array derived from a capture or parameter to {@code manager}, so its owner does not keep it. */
    private static NDArray owned(NDManager manager, NDArray array) {
        array.attach(manager);
        return array;
    }

    private static NDArray outputBias(NDManager manager, DecoderModel model, int layer) {
        if (model.config().architecture() == Architecture.GPT2) {
            return model.parameterFloat32("h." + layer + ".attn.c_proj.bias", manager);
        }
        return null;
    }
}
