package org.pkeworkbench.edit;

/** Edit mode: whether a run makes one edit from all its records or one edit per record. */
public enum EditMode {

    /** One edit from all records together: one locate pass and one training run over every record. */
    BATCH,

    /**
     * One edit per record, in file order, each located and trained on its own record and applied
     * before the next, as DINM's published code edits SafeEdit. The run's delta is the sum of the
     * per-record deltas, and each one is kept in the {@link EditHistory}.
     */
    PER_RECORD
}
