package org.pkeworkbench.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of earlier positions, per layer, so that generation computes each new token
 * from one position. Keys are stored after rotary embedding, before grouped-query expansion:
 * {@code [batch, kvHeads, pastSeq, headDim]}.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private NDArray mask;

    public KvCache(NDManager parent, int numLayers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[numLayers];
        this.values = new NDArray[numLayers];
    }

    /** Number of positions already stored. */
    public long length() {
        return keys[0] == null ? 0 : keys[0].getShape().get(2);
    }

    NDArray keys(int layer) {
        return keys[layer];
    }

    NDArray values(int layer) {
        return values[layer];
    }

    /** Appends this pass's keys and values along the sequence axis and returns the full arrays. */
    NDArray[] append(int layer, NDArray newKeys, NDArray newValues) {
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

    /** The padding mask of all positions so far, {@code [batch, length]}, or null when nothing is padded. */
    public NDArray mask() {
        return mask;
    }

    void setMask(NDArray fullMask) {
        if (fullMask != null) {
            fullMask.attach(manager);
        }
        this.mask = fullMask;
    }

    @Override
    public void close() {
        manager.close();
    }
}
