package org.pkeworkbench.model.gpt2;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.SparseFormat;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pkeworkbench.model.ComputeDType;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.HookPoints;
import org.pkeworkbench.model.MlpLayout;
import org.pkeworkbench.model.ModelConfig;
import org.pkeworkbench.model.RowBlockProduct;
import org.pkeworkbench.model.Tensors;
import org.pkeworkbench.model.io.WeightStore;

/**
 * GPT-2 as Hugging Face {@code transformers} computes it: learned positions, pre-norm LayerNorm
 * blocks, fused q/k/v projection, and an MLP {@code c_proj(gelu_new(c_fc(x)))}. Conv1D weights are
 * stored as {@code [in, out]}, so projections are {@code x @ W + b}. Canonical names have no
 * {@code transformer.} prefix; files with the prefix load too.
 */
public final class Gpt2Model extends DecoderModel {

    private static final String PREFIX = "transformer.";
    /** {@code sqrt(2 / pi)}, the constant of the tanh approximation of GELU. */
    private static final float GELU_SCALE = (float) Math.sqrt(2.0 / Math.PI);

    public Gpt2Model(ModelConfig config, Path directory, Device device) {
        this(config, directory, device, ComputeDType.FLOAT32);
    }

    public Gpt2Model(ModelConfig config, Path directory, Device device, ComputeDType dtype) {
        super(config, directory, device, dtype);
    }

    @Override
    protected String resolveStoredName(WeightStore store, String canonical) {
        if (store.contains(canonical)) {
            return canonical;
        }
        return store.contains(PREFIX + canonical) ? PREFIX + canonical : null;
    }

    @Override
    protected Map<String, long[]> expectedParameters() {
        long hidden = config.hiddenSize();
        long inner = config.intermediateSize();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("wte.weight", new long[] {config.vocabSize(), hidden});
        shapes.put("wpe.weight", new long[] {config.maxPositions(), hidden});
        for (int layer = 0; layer < config.numLayers(); layer++) {
            String p = "h." + layer + ".";
            shapes.put(p + "ln_1.weight", new long[] {hidden});
            shapes.put(p + "ln_1.bias", new long[] {hidden});
            shapes.put(p + "attn.c_attn.weight", new long[] {hidden, 3 * hidden});
            shapes.put(p + "attn.c_attn.bias", new long[] {3 * hidden});
            shapes.put(p + "attn.c_proj.weight", new long[] {hidden, hidden});
            shapes.put(p + "attn.c_proj.bias", new long[] {hidden});
            shapes.put(p + "ln_2.weight", new long[] {hidden});
            shapes.put(p + "ln_2.bias", new long[] {hidden});
            shapes.put(p + "mlp.c_fc.weight", new long[] {hidden, inner});
            shapes.put(p + "mlp.c_fc.bias", new long[] {inner});
            shapes.put(p + "mlp.c_proj.weight", new long[] {inner, hidden});
            shapes.put(p + "mlp.c_proj.bias", new long[] {hidden});
        }
        shapes.put("ln_f.weight", new long[] {hidden});
        shapes.put("ln_f.bias", new long[] {hidden});
        return shapes;
    }

    @Override
    public MlpLayout mlpLayout(int layer) {
        String p = "h." + layer + ".mlp.";
        return new MlpLayout(p + "c_proj.weight", 0, null, p + "c_fc.weight", 1);
    }

    @Override
    protected NDArray embed(Pass pass, NDArray inputIds, NDArray positions) {
        NDArray tokens = lookup(inputIds, pass.weight("wte.weight"));
        NDArray places = lookup(positions, pass.weight("wpe.weight"));
        return tokens.add(places);
    }

    private static NDArray lookup(NDArray ids, NDArray table) {
        return ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
    }

    @Override
    protected NDArray layer(Pass pass, int layer, NDArray residual) {
        String p = "h." + layer + ".";

        NDArray attention = attention(pass, layer, layerNorm(pass, residual, p + "ln_1"));
        attention = pass.hook(HookPoints.attnOut(layer), attention);
        NDArray mid = pass.hook(HookPoints.residMid(layer), residual.add(attention));

        NDArray normed = layerNorm(pass, mid, p + "ln_2");
        NDArray activations = pass.hook(HookPoints.mlpAct(layer), geluNew(mlpConv1d(pass, normed, p + "mlp.c_fc")));
        NDArray mlp = pass.hook(HookPoints.mlpOut(layer), mlpConv1d(pass, activations, p + "mlp.c_proj"));
        return mid.add(mlp);
    }

    private NDArray attention(Pass pass, int layer, NDArray x) {
        String p = "h." + layer + ".attn.";
        long batch = x.getShape().get(0);
        long seq = x.getShape().get(1);
        long hidden = config.hiddenSize();
        long heads = config.numHeads();
        long headDim = config.headDim();

        NDArray fused = conv1d(pass, x, p + "c_attn");
        NDArray[] parts = fused.split(new long[] {hidden, 2 * hidden}, 2).toArray(new NDArray[0]);
        NDArray q = parts[0].reshape(batch, seq, heads, headDim).transpose(0, 2, 1, 3);
        NDArray k = parts[1].reshape(batch, seq, heads, headDim).transpose(0, 2, 1, 3);
        NDArray v = parts[2].reshape(batch, seq, heads, headDim).transpose(0, 2, 1, 3);

        return conv1d(pass, attend(pass, layer, q, k, v), p + "c_proj");
    }

    /** {@link #conv1d} for an MLP weight, with the pass's slice change of {@code W} when it has one. */
    private static NDArray mlpConv1d(Pass pass, NDArray x, String name) {
        String weight = name + ".weight";
        return pass.withSliceChange(weight, x, conv1d(pass, x, name), false);
    }

    /** {@code x @ W + b} with {@code W} stored as {@code [in, out]}. */
    private static NDArray conv1d(Pass pass, NDArray x, String name) {
        NDArray weight = pass.weight(name + ".weight");
        NDArray blocked = RowBlockProduct.tryComputeInOut(x, weight);
        NDArray product = blocked != null ? blocked : x.matMul(weight);
        return product.add(pass.weight(name + ".bias"));
    }

    /** LayerNorm with float32 statistics; the normalized value is cast back to the compute type before the affine step. */
    private NDArray layerNorm(Pass pass, NDArray x, String name) {
        NDArray wide = float32(x);
        NDArray mean = wide.mean(new int[] {-1}, true);
        NDArray centered = wide.sub(mean);
        NDArray variance = centered.square().mean(new int[] {-1}, true);
        NDArray normed = compute(centered.div(variance.add((float) config.normEps()).sqrt()));
        return normed.mul(pass.weight(name + ".weight")).add(pass.weight(name + ".bias"));
    }

    /** GELU, tanh approximation: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
    private static NDArray geluNew(NDArray x) {
        NDArray cube = x.mul(x).mul(x);
        NDArray inner = Tensors.scale(x.add(Tensors.scale(cube, 0.044715)), GELU_SCALE);
        return Tensors.scale(x, 0.5).mul(inner.tanh().add(1f));
    }

    @Override
    protected NDArray finalNorm(Pass pass, NDArray residual) {
        return layerNorm(pass, residual, "ln_f");
    }

    @Override
    protected NDArray unembed(Pass pass, NDArray normed) {
        return linear(normed, pass.weight("wte.weight"));
    }
}
