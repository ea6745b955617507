package org.pkeworkbench.eval;

/** Receives progress of a run over prompts. Called on the thread that runs the evaluation. */
@FunctionalInterface
public interface ProgressListener {

    /** A listener that ignores all updates. */
    ProgressListener NONE = (completed, total) -> { };

    /**
     * Reports that {@code completed} of {@code total} prompts are done. The first call reports 0
     * before any work starts.
     */
    void update(int completed, int total);
}
