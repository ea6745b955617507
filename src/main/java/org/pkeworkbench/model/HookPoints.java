package org.pkeworkbench.model;

/**
 * Names of the capture points that every decoder exposes during a forward pass, one scheme for
 * all architectures. Shapes are for a batch of {@code batch} sequences of {@code seq} tokens.
 *
 * <p>Captured values are FLOAT32 whatever the model's {@link ComputeDType}: a float16 model
 * widens each captured value exactly (the attention pattern is float32 before any cast). An
 * intervention at a point likewise receives a float32 value. It may return float32 or float16,
 * because the pass casts the result back to the compute type.
 *
 * <ul>
 *   <li>{@code embed}: token (plus learned position) embeddings, {@code [batch, seq, hidden]}
 *   <li>{@code layers.L.resid_pre}: residual stream entering layer L, {@code [batch, seq, hidden]}
 *   <li>{@code layers.L.attn_out}: the attention block's output before it is added, {@code [batch, seq, hidden]}
 *   <li>{@code layers.L.resid_mid}: residual after the attention block is added, {@code [batch, seq, hidden]}
 *   <li>{@code layers.L.mlp.act}: MLP neuron activations, the input of the down projection, {@code [batch, seq, intermediate]}
 *   <li>{@code layers.L.mlp_out}: the MLP block's output before it is added, {@code [batch, seq, hidden]}
 *   <li>{@code layers.L.resid_post}: residual stream leaving layer L, {@code [batch, seq, hidden]}
 *   <li>{@code layers.L.attn.pattern}: attention probabilities, {@code [batch, heads, seq, keySeq]}
 *   <li>{@code layers.L.attn.z}: per-head attention outputs before the output projection, {@code [batch, seq, heads, headDim]}
 *   <li>{@code layers.L.attn.v}: value vectors per key/value head, including cached ones,
 *       {@code [batch, kvHeads, keySeq, headDim]}; query head {@code h} reads key/value head
 *       {@code h / (heads / kvHeads)} (GPT-2 has {@code kvHeads == heads})
 *   <li>{@code final_norm}: the last residual after the final norm, {@code [batch, seq, hidden]}
 * </ul>
 */
public final class HookPoints {

    public static final String EMBED = "embed";
    public static final String FINAL_NORM = "final_norm";

    private HookPoints() {}

    public static String residPre(int layer) {
        return "layers." + layer + ".resid_pre";
    }

    public static String attnOut(int layer) {
        return "layers." + layer + ".attn_out";
    }

    public static String residMid(int layer) {
        return "layers." + layer + ".resid_mid";
    }

    public static String mlpAct(int layer) {
        return "layers." + layer + ".mlp.act";
    }

    public static String mlpOut(int layer) {
        return "layers." + layer + ".mlp_out";
    }

    public static String residPost(int layer) {
        return "layers." + layer + ".resid_post";
    }

    public static String attnPattern(int layer) {
        return "layers." + layer + ".attn.pattern";
    }

    public static String attnZ(int layer) {
        return "layers." + layer + ".attn.z";
    }

    public static String attnV(int layer) {
        return "layers." + layer + ".attn.v";
    }

    /** Checks that {@code name} is a capture point of a model with {@code numLayers} layers. */
    public static boolean isValid(String name, int numLayers) {
        if (name.equals(EMBED) || name.equals(FINAL_NORM)) {
            return true;
        }
        String[] parts = name.split("\\.", 3);
        if (parts.length != 3 || !parts[0].equals("layers")) {
            return false;
        }
        int layer;
        try {
            layer = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            return false;
        }
        return layer >= 0 && layer < numLayers
                && java.util.List.of("resid_pre", "attn_out", "resid_mid", "mlp.act", "mlp_out", "resid_post",
                        "attn.pattern", "attn.z", "attn.v").contains(parts[2]);
    }
}
