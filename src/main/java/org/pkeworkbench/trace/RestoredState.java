package org.pkeworkbench.trace;

import org.pkeworkbench.model.HookPoints;

/** The hidden state that causal tracing copies from the clean run into the noisy one. */
public enum RestoredState {

    /** The residual stream leaving a layer, {@code layers.L.resid_post}. */
    RESID_POST,

    /** The MLP block's output before it is added to the residual, {@code layers.L.mlp_out}. */
    MLP_OUT,

    /** The attention block's output before it is added to the residual, {@code layers.L.attn_out}. */
    ATTN_OUT;

    /** Returns the capture point of this state in {@code layer}. */
    public String hookPoint(int layer) {
        return switch (this) {
            case RESID_POST -> HookPoints.residPost(layer);
            case MLP_OUT -> HookPoints.mlpOut(layer);
            case ATTN_OUT -> HookPoints.attnOut(layer);
        };
    }
}
