package org.pkeworkbench.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import java.util.Arrays;
import org.pkeworkbench.model.Architecture;
import org.pkeworkbench.model.ComputeDType;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ModelConfig;
import org.pkeworkbench.model.RopeScaling;

/**
 * A minimal Llama forward pass written straight against DJL {@link NDArray} operations, with the
 * weights of a loaded {@link DecoderModel} but none of its hooks, capture points, weight overrides
 * or padding masks. The benchmark runs it next to {@link DecoderModel#forward} to measure what the
 * project's layer costs.
 *
 * <p>It supports one unpadded sequence, full causal attention and unscaled rotary embeddings; the
 * constructor rejects configurations outside that.
 */
final class DirectLlama {

    private final DecoderModel model;
    private final ModelConfig config;
    /** One inverse frequency per pair of head dimensions, radians per position. */
    private final double[] inverseFrequencies;
    /** Cosines and sines of {@code position * inverseFrequency}, {@code [anglePositions, headDim]} row-major. */
    private float[] cosRows;
    private float[] sinRows;
    private int anglePositions;

    DirectLlama(DecoderModel model) {
        this.model = model;
        this.config = model.config();
        if (config.architecture() == Architecture.GPT2) {
            throw new IllegalArgumentException("The direct baseline supports Llama-family models only, not gpt2");
        }
        if (model.dtype() != ComputeDType.FLOAT32) {
            throw new IllegalArgumentException("The direct baseline computes in float32 only, not "
                    + model.dtype().label());
        }
        if (!RopeScaling.NONE.equals(config.ropeScaling())) {
            throw new IllegalArgumentException("The direct baseline supports unscaled rotary embeddings only, not "
                    + config.ropeScaling().type());
        }
        if (config.slidingWindow() > 0) {
            throw new IllegalArgumentException("The direct baseline supports full causal attention only, not a "
                    + config.slidingWindow() + "-token sliding window");
        }
        int headDim = config.headDim();
        inverseFrequencies = new double[headDim / 2];
        for (int i = 0; i < inverseFrequencies.length; i++) {
            inverseFrequencies[i] = 1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / headDim);
        }
    }

    /** Keys and values of earlier positions per layer, {@code [1, kvHeads, past, headDim]}. */
    static final class Cache implements AutoCloseable {
        private final NDManager manager;
        private final NDArray[] keys;
        private final NDArray[] values;
        private int length;

        Cache(NDManager parent, int layers) {
            manager = parent.newSubManager();
            keys = new NDArray[layers];
            values = new NDArray[layers];
        }

        private NDArray[] append(int layer, NDArray newKeys, NDArray newValues) {
            NDArray fullKeys = keys[layer] == null ? newKeys : keys[layer].concat(newKeys, 2);
            NDArray fullValues = values[layer] == null ? newValues : values[layer].concat(newValues, 2);
            fullKeys.attach(manager);
            fullValues.attach(manager);
            if (keys[layer] != null) {
                keys[layer].close();
                values[layer].close();
            }
            keys[layer] = fullKeys;
            values[layer] = fullValues;
            return new NDArray[] {fullKeys, fullValues};
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    /**
     * Runs {@code ids} after the positions already in {@code cache} (which may be null) and returns
     * the logits {@code [1, ids.length, vocab]} attached to {@code scope}.
     */
    NDArray forward(NDManager scope, long[] ids, Cache cache) {
        try (NDManager scratch = scope.newSubManager()) {
            int past = cache == null ? 0 : cache.length;
            int seq = ids.length;
            NDArray input = scratch.create(ids, new Shape(1, seq));
            NDArray x = input.getNDArrayInternal()
                    .embedding(input, weight("model.embed_tokens.weight"), SparseFormat.DENSE).singletonOrThrow();
            NDArray[] rotary = rotaryTables(scratch, past, seq);
            NDArray mask = causalMask(scratch, past, seq);

            for (int layer = 0; layer < config.numLayers(); layer++) {
                String p = "model.layers." + layer + ".";
                NDArray attention = attention(p, rmsNorm(x, weight(p + "input_layernorm.weight")), rotary, mask,
                        cache, layer);
                NDArray mid = x.add(attention);
                NDArray normed = rmsNorm(mid, weight(p + "post_attention_layernorm.weight"));
                NDArray gate = linear(normed, weight(p + "mlp.gate_proj.weight"));
                NDArray up = linear(normed, weight(p + "mlp.up_proj.weight"));
                x = mid.add(linear(gate.mul(Activation.sigmoid(gate)).mul(up), weight(p + "mlp.down_proj.weight")));
            }
            if (cache != null) {
                cache.length = past + seq;
            }

            String head = config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
            NDArray logits = linear(rmsNorm(x, weight("model.norm.weight")), weight(head));
            logits.attach(scope);
            return logits;
        }
    }

    /** Self-attention with grouped-query heads repeated along the head axis: {@code [1, seq, hidden]} in and out. */
    private NDArray attention(String p, NDArray x, NDArray[] rotary, NDArray mask, Cache cache, int layer) {
        long seq = x.getShape().get(1);
        int heads = config.numHeads();
        int kvHeads = config.numKeyValueHeads();
        int headDim = config.headDim();

        NDArray q = project(x, p + "self_attn.q_proj").reshape(1, seq, heads, headDim).transpose(0, 2, 1, 3);
        NDArray k = project(x, p + "self_attn.k_proj").reshape(1, seq, kvHeads, headDim).transpose(0, 2, 1, 3);
        NDArray v = project(x, p + "self_attn.v_proj").reshape(1, seq, kvHeads, headDim).transpose(0, 2, 1, 3);
        q = rotate(q, rotary[0], rotary[1]);
        k = rotate(k, rotary[0], rotary[1]);
        if (cache != null) {
            NDArray[] full = cache.append(layer, k, v);
            // Views owned by this pass, so that arrays derived from them are freed with it.
            k = full[0].reshape(full[0].getShape());
            k.attach(q.getManager());
            v = full[1].reshape(full[1].getShape());
            v.attach(q.getManager());
        }
        if (kvHeads != heads) {
            k = k.repeat(1, heads / kvHeads);
            v = v.repeat(1, heads / kvHeads);
        }

        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul((float) (1.0 / Math.sqrt(headDim))).add(mask);
        NDArray z = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(1, seq, (long) heads * headDim);
        return linear(z, weight(p + "self_attn.o_proj.weight"));
    }

    private NDArray project(NDArray x, String name) {
        NDArray projected = linear(x, weight(name + ".weight"));
        return config.attentionBias() ? projected.add(weight(name + ".bias")) : projected;
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray meanSquare = x.square().mean(new int[] {-1}, true);
        return x.div(meanSquare.add((float) config.normEps()).sqrt()).mul(weight);
    }

    /** Rotate-half rotary embedding of {@code [1, heads, seq, headDim]}. */
    private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        long half = x.getShape().get(3) / 2;
        NDArray first = x.get(new NDIndex("..., :{}", half));
        NDArray second = x.get(new NDIndex("..., {}:", half));
        return x.mul(cos).add(second.neg().concat(first, 3).mul(sin));
    }

    /** Cosine and sine tables for positions {@code past .. past + seq - 1}, each {@code [1, 1, seq, headDim]}. */
    private NDArray[] rotaryTables(NDManager manager, int past, int seq) {
        int headDim = config.headDim();
        if (past + seq > anglePositions) {
            computeAngles(Math.max(past + seq, 2 * anglePositions));
        }
        float[] cos = Arrays.copyOfRange(cosRows, past * headDim, (past + seq) * headDim);
        float[] sin = Arrays.copyOfRange(sinRows, past * headDim, (past + seq) * headDim);
        Shape shape = new Shape(1, 1, seq, headDim);
        return new NDArray[] {manager.create(cos, shape), manager.create(sin, shape)};
    }

    /**
     * Computes the cosines and sines of the first {@code positions} positions once, so that a pass
     * only copies its rows (compiling the angle loop in every pass cost the JIT 140 to 160 ms).
     */
    private void computeAngles(int positions) {
        int headDim = config.headDim();
        int half = headDim / 2;
        cosRows = new float[positions * headDim];
        sinRows = new float[positions * headDim];
        for (int position = 0; position < positions; position++) {
            for (int i = 0; i < half; i++) {
                double angle = position * inverseFrequencies[i];
                cosRows[position * headDim + i] = (float) Math.cos(angle);
                cosRows[position * headDim + half + i] = (float) Math.cos(angle);
                sinRows[position * headDim + i] = (float) Math.sin(angle);
                sinRows[position * headDim + half + i] = (float) Math.sin(angle);
            }
        }
        anglePositions = positions;
    }

    /** Additive causal mask {@code [1, 1, seq, past + seq]}: 0 where a query may look, -1e9 elsewhere. */
    private static NDArray causalMask(NDManager manager, int past, int seq) {
        int total = past + seq;
        float[] mask = new float[seq * total];
        for (int i = 0; i < seq; i++) {
            Arrays.fill(mask, i * total + past + i + 1, (i + 1) * total, -1e9f);
        }
        return manager.create(mask, new Shape(1, 1, seq, total)).toType(DataType.FLOAT32, false);
    }

    private NDArray weight(String name) {
        return model.parameter(name);
    }

    private static NDArray linear(NDArray x, NDArray weight) {
        return ai.djl.nn.core.Linear.linear(x, weight).singletonOrThrow();
    }
}
