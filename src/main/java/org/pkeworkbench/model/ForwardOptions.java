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
 * changes to some neurons' slices of MLP weights, a KV cache, and a padding mask.
 *
 * <p>Example: {@code ForwardOptions.create().capture(HookPoints.mlpAct(1)).override(name, editedWeight)}.
 */
public final class ForwardOptions {

    private final Set<String> captures = new HashSet<>();
    private boolean captureAll;
    private final Map<String, UnaryOperator<NDArray>> interventions = new HashMap<>();
    private final Map<String, NDArray> weightOverrides = new HashMap<>();
    private final Map<String, SliceChange> sliceChanges = new HashMap<>();
    private KvCache cache;
    private NDArray attentionMask;
    private boolean computeLogits = true;
    private int startLayer;
    private NDArray startResidual;

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

    /**
     * Adds {@code change} to the neurons' slices of the MLP weight {@code name} for this pass,
     * without building the changed matrix (see {@link SliceChange}). Only MLP weights (those of
     * {@link MlpLayout}) take slice changes, and a weight cannot have both a slice change and an
     * override.
     */
    public ForwardOptions changeSlices(String name, SliceChange change) {
        sliceChanges.put(name, java.util.Objects.requireNonNull(change, "change"));
        return this;
    }

    public ForwardOptions changeSlices(Map<String, SliceChange> changes) {
        changes.forEach(this::changeSlices);
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

    /**
     * Starts the pass at the input of {@code layer}, with {@code residual} as the residual stream
     * there: the embedding and the layers below are skipped, and their capture points and
     * interventions are not called. The input ids still set positions and the attention mask, so
     * {@code residual} must be the {@code resid_pre} value of {@code layer} that a full pass over the
     * same ids and mask computes. The pass does not take ownership of {@code residual}. A KV cache
     * cannot be combined with a start layer, because the skipped layers would not fill it.
     *
     * @param residual {@code [batch, seq, hidden]}, with the batch and length of the input ids
     */
    public ForwardOptions startAt(int layer, NDArray residual) {
        if (layer < 0) {
            throw new IllegalArgumentException("The start layer must be 0 or more, got " + layer);
        }
        this.startLayer = layer;
        this.startResidual = java.util.Objects.requireNonNull(residual, "residual");
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

    SliceChange sliceChange(String name) {
        return sliceChanges.get(name);
    }

    Map<String, SliceChange> sliceChanges() {
        return sliceChanges;
    }

    KvCache cache() {
        return cache;
    }

    NDArray attentionMask() {
        return attentionMask;
    }

    int startLayer() {
        return startLayer;
    }

    NDArray startResidual() {
        return startResidual;
    }

    boolean computeLogits() {
        return computeLogits;
    }
}
