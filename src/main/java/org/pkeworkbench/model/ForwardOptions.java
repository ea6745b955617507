package org.pkeworkbench.model;

import ai.djl.ndarray.NDArray;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * What a forward pass records or changes besides computing logits: capture points to keep,
 * interventions that replace a capture point's value, weights to use in place of the stored ones,
 * a KV cache, and a padding mask.
 *
 * <p>Example: {@code ForwardOptions.create().capture(HookPoints.mlpAct(1)).override(name, editedWeight)}.
 */
public final class ForwardOptions {

    private final Set<String> captures = new HashSet<>();
    private boolean captureAll;
    private final Map<String, UnaryOperator<NDArray>> interventions = new HashMap<>();
    private final Map<String, NDArray> weightOverrides = new HashMap<>();
    private KvCache cache;
    private NDArray attentionMask;
    private boolean computeLogits = true;

    public static ForwardOptions create() {
        return new ForwardOptions();
    }

    /** Keeps the values of the named capture points (see {@link HookPoints}). */
    public ForwardOptions capture(String... names) {
        captures.addAll(java.util.List.of(names));
        return this;
    }

    public ForwardOptions captureAll() {
        captureAll = true;
        return this;
    }

    /**
     * Replaces the value at a capture point with {@code function(value)}; the function's result
     * must have the same shape. Captures see the replaced value.
     */
    public ForwardOptions intervene(String name, UnaryOperator<NDArray> function) {
        interventions.merge(name, function, (first, second) -> value -> second.apply(first.apply(value)));
        return this;
    }

    /** Uses {@code weight} in place of the stored parameter {@code name} (same shape) for this pass. */
    public ForwardOptions override(String name, NDArray weight) {
        weightOverrides.put(name, weight);
        return this;
    }

    public ForwardOptions overrides(Map<String, NDArray> weights) {
        weightOverrides.putAll(weights);
        return this;
    }

    /** Reads earlier keys and values from {@code cache} and appends this pass's to it. */
    public ForwardOptions cache(KvCache kvCache) {
        this.cache = kvCache;
        return this;
    }

    /**
     * Marks padding: {@code mask} is {@code [batch, pastSeq + seq]} with 1 for real tokens and 0 for
     * left padding. Positions then count real tokens only.
     */
    public ForwardOptions attentionMask(NDArray mask) {
        this.attentionMask = mask;
        return this;
    }

    /** Skips the unembedding, for passes that only need captures. */
    public ForwardOptions withoutLogits() {
        computeLogits = false;
        return this;
    }

    boolean shouldCapture(String name) {
        return captureAll || captures.contains(name);
    }

    UnaryOperator<NDArray> intervention(String name) {
        return interventions.get(name);
    }

    Map<String, NDArray> weightOverrides() {
        return weightOverrides;
    }

    KvCache cache() {
        return cache;
    }

    NDArray attentionMask() {
        return attentionMask;
    }

    boolean computeLogits() {
        return computeLogits;
    }
}
