package org.pkeworkbench.model.llama;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.pkeworkbench.model.ComputeDType;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.HookPoints;
import org.pkeworkbench.model.MlpLayout;
import org.pkeworkbench.model.ModelConfig;

/**
 * The Llama family as Hugging Face {@code transformers} computes it: Llama 2 and 3, Mistral and
 * Qwen2 (q/k/v biases). Pre-norm RMSNorm blocks, rotary positions, grouped-query attention and a
 * gated SiLU MLP {@code down(silu(gate(x)) * up(x))}.
 */
public final class LlamaModel extends DecoderModel {

    private final RotaryEmbedding rotary;

    public LlamaModel(ModelConfig config, Path directory, Device device) {
        this(config, directory, device, ComputeDType.FLOAT32);
    }

    public LlamaModel(ModelConfig config, Path directory, Device device, ComputeDType dtype) {
        super(config, directory, device, dtype);
        this.rotary = new RotaryEmbedding(config);
    }

    private static String layerPrefix(int layer) {
        return "model.layers." + layer + ".";
    }

    @Override
    protected Map<String, long[]> expectedParameters() {
        long hidden = config.hiddenSize();
        long inner = config.intermediateSize();
        long qWidth = (long) config.numHeads() * config.headDim();
        long kvWidth = (long) config.numKeyValueHeads() * config.headDim();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[] {config.vocabSize(), hidden});
        for (int layer = 0; layer < config.numLayers(); layer++) {
            String p = layerPrefix(layer);
            shapes.put(p + "input_layernorm.weight", new long[] {hidden});
            shapes.put(p + "self_attn.q_proj.weight", new long[] {qWidth, hidden});
            shapes.put(p + "self_attn.k_proj.weight", new long[] {kvWidth, hidden});
            shapes.put(p + "self_attn.v_proj.weight", new long[] {kvWidth, hidden});
            if (config.attentionBias()) {
                shapes.put(p + "self_attn.q_proj.bias", new long[] {qWidth});
                shapes.put(p + "self_attn.k_proj.bias", new long[] {kvWidth});
                shapes.put(p + "self_attn.v_proj.bias", new long[] {kvWidth});
            }
            shapes.put(p + "self_attn.o_proj.weight", new long[] {hidden, qWidth});
            shapes.put(p + "post_attention_layernorm.weight", new long[] {hidden});
            shapes.put(p + "mlp.gate_proj.weight", new long[] {inner, hidden});
            shapes.put(p + "mlp.up_proj.weight", new long[] {inner, hidden});
            shapes.put(p + "mlp.down_proj.weight", new long[] {hidden, inner});
        }
        shapes.put("model.norm.weight", new long[] {hidden});
        if (!config.tieWordEmbeddings()) {
            shapes.put("lm_head.weight", new long[] {config.vocabSize(), hidden});
        }
        return shapes;
    }

    @Override
    protected Set<String> headParameters() {
        return config.tieWordEmbeddings() ? Set.of() : Set.of("lm_head.weight");
    }

    @Override
    public MlpLayout mlpLayout(int layer) {
        String p = layerPrefix(layer) + "mlp.";
        return new MlpLayout(p + "down_proj.weight", 1, p + "gate_proj.weight", p + "up_proj.weight", 0);
    }

    @Override
    protected NDArray embed(Pass pass, NDArray inputIds, NDArray positions) {
        NDArray table = pass.weight("model.embed_tokens.weight");
        return inputIds.getNDArrayInternal().embedding(inputIds, table, SparseFormat.DENSE).singletonOrThrow();
    }

    @Override
    protected NDArray layer(Pass pass, int layer, NDArray residual) {
        String p = layerPrefix(layer);

        NDArray attention = attention(pass, layer, rmsNorm(residual, pass.weight(p + "input_layernorm.weight")));
        attention = pass.hook(HookPoints.attnOut(layer), attention);
        NDArray mid = pass.hook(HookPoints.residMid(layer), residual.add(attention));

        NDArray normed = rmsNorm(mid, pass.weight(p + "post_attention_layernorm.weight"));
        NDArray gate = mlpProjection(pass, normed, p + "mlp.gate_proj.weight");
        NDArray up = mlpProjection(pass, normed, p + "mlp.up_proj.weight");
        NDArray activations = pass.hook(HookPoints.mlpAct(layer), gate.mul(Activation.sigmoid(gate)).mul(up));
        NDArray mlp = mlpProjection(pass, activations, p + "mlp.down_proj.weight");
        mlp = pass.hook(HookPoints.mlpOut(layer), mlp);
        return mid.add(mlp);
    }

    /** Self-attention of one layer: {@code [batch, seq, hidden]} to {@code [batch, seq, hidden]} (after o_proj). */
    private NDArray attention(Pass pass, int layer, NDArray x) {
        String p = layerPrefix(layer) + "self_attn.";
        long batch = x.getShape().get(0);
        long seq = x.getShape().get(1);
        int headDim = config.headDim();

        NDArray q = project(pass, x, p + "q_proj").reshape(batch, seq, config.numHeads(), headDim).transpose(0, 2, 1, 3);
        NDArray k = project(pass, x, p + "k_proj").reshape(batch, seq, config.numKeyValueHeads(), headDim)
                .transpose(0, 2, 1, 3);
        NDArray v = project(pass, x, p + "v_proj").reshape(batch, seq, config.numKeyValueHeads(), headDim)
                .transpose(0, 2, 1, 3);

        // The tables are built in float32 and cast once per pass, as transformers casts cos and sin.
        NDArray[] tables = pass.positionTables(() -> {
            NDArray[] float32Tables = rotary.tables(pass.scratch(), pass.positionValues(), (int) batch, (int) seq);
            return new NDArray[] {pass.toCompute(float32Tables[0]), pass.toCompute(float32Tables[1])};
        });
        q = RotaryEmbedding.apply(q, tables[0], tables[1]);
        k = RotaryEmbedding.apply(k, tables[0], tables[1]);

        NDArray heads = attend(pass, layer, q, k, v);
        return linear(heads, pass.weight(p + "o_proj.weight"));
    }

    /** {@code x @ W^T} for an MLP weight, with the pass's slice change of {@code W} when it has one. */
    private static NDArray mlpProjection(Pass pass, NDArray x, String name) {
        return pass.withSliceChange(name, x, linear(x, pass.weight(name)), true);
    }

    private NDArray project(Pass pass, NDArray x, String name) {
        NDArray weight = pass.weight(name + ".weight");
        return config.attentionBias()
                ? linear(x, weight, pass.weight(name + ".bias"))
                : linear(x, weight);
    }

    /** RMSNorm with float32 statistics; the normalized value is cast back to the compute type before the scale. */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray wide = float32(x);
        NDArray meanSquare = wide.square().mean(new int[] {-1}, true);
        NDArray normed = wide.div(meanSquare.add((float) config.normEps()).sqrt());
        return compute(normed).mul(weight);
    }

    @Override
    protected NDArray finalNorm(Pass pass, NDArray residual) {
        return rmsNorm(residual, pass.weight("model.norm.weight"));
    }

    @Override
    protected NDArray unembed(Pass pass, NDArray normed) {
        String head = config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
        return linear(normed, pass.weight(head));
    }
}
