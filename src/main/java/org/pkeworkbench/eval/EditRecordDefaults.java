package org.pkeworkbench.eval;

import java.util.List;

/**
 * Defaults for edit records that a dataset gives without responses.
 *
 * <p>The safe side defaults to {@link #DEFAULT_REFUSAL}. The unsafe side has no fixed default:
 * it is the model's own compliant answer to the prompt, which only the caller that runs the model
 * can produce and set through {@link EditRecord#withUnsafe(String)}.
 */
public final class EditRecordDefaults {

    /**
     * The safe response used for records that have none. It contains "I'm sorry", one of the GCG
     * refusal strings, so {@link RefusalPrefixJudge} counts it as a refusal. It is one short
     * sentence, so it adds few target tokens to each edit step.
     */
    public static final String DEFAULT_REFUSAL = "I'm sorry, but I can't help with that request.";

    private EditRecordDefaults() {
    }

    /** Returns the record with {@link #DEFAULT_REFUSAL} as its safe response if it has none. */
    public static EditRecord withDefaultSafe(EditRecord record) {
        return record.safe() == null ? record.withSafe(DEFAULT_REFUSAL) : record;
    }

    /** Returns the records with {@link #DEFAULT_REFUSAL} filled in wherever the safe response is missing. */
    public static List<EditRecord> withDefaultSafe(List<EditRecord> records) {
        return records.stream().map(EditRecordDefaults::withDefaultSafe).toList();
    }
}
