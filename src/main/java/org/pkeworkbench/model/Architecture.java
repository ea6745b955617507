package org.pkeworkbench.model;

/** The decoder families this tool implements. */
public enum Architecture {
    /** Llama 2 and 3, Mistral and Qwen2: RMSNorm, rotary positions, gated SiLU MLP, grouped-query attention. */
    LLAMA,
    /** GPT-2: LayerNorm, learned positions, {@code gelu_new} MLP, Conv1D weights stored as {@code [in, out]}. */
    GPT2
}
