package org.pkeworkbench.eval;

/**
 * One edit record: an adversarial prompt with an optional safe and unsafe response.
 *
 * <p>Dataset importers leave {@code safe} and {@code unsafe} null when the file has no responses
 * (AdvBench, HarmBench, JailbreakBench and StrongREJECT hold prompts only). {@link
 * EditRecordDefaults} fills the safe side with a fixed refusal, and the caller fills the unsafe
 * side with the model's own answer through {@link #withUnsafe(String)}.
 *
 * @param id record identifier from the file, or the zero-based record index when the file has none
 * @param prompt the adversarial prompt, never blank
 * @param safe the safe response, or null when the file has none
 * @param unsafe the unsafe response, or null when the file has none
 * @param category the harm category, or null when the file has none
 * @param generalization SafeEdit generalization inputs, or null for other formats
 * @param knowledgeConstraint SafeEdit knowledge-constraint pair (a benign prompt and its answer),
 *     or null for other formats
 */
public record EditRecord(
        String id,
        String prompt,
        String safe,
        String unsafe,
        String category,
        Generalization generalization,
        LocalityRecord knowledgeConstraint) {

    public EditRecord {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("Edit record id must not be blank");
        }
        if (prompt == null || prompt.isBlank()) {
            throw new IllegalArgumentException("Edit record " + id + " has a blank prompt");
        }
    }

    /** Creates a record without SafeEdit generalization inputs or knowledge constraint. */
    public EditRecord(String id, String prompt, String safe, String unsafe, String category) {
        this(id, prompt, safe, unsafe, category, null, null);
    }

    /** Creates a prompt-only record, as used for benign prompts. */
    public static EditRecord ofPrompt(String id, String prompt) {
        return new EditRecord(id, prompt, null, null, null);
    }

    /** Returns a copy with the safe response replaced. */
    public EditRecord withSafe(String newSafe) {
        return new EditRecord(id, prompt, newSafe, unsafe, category, generalization, knowledgeConstraint);
    }

    /** Returns a copy with the unsafe response replaced. */
    public EditRecord withUnsafe(String newUnsafe) {
        return new EditRecord(id, prompt, safe, newUnsafe, category, generalization, knowledgeConstraint);
    }

    /** Returns whether both the safe and the unsafe response are present. */
    public boolean hasBothResponses() {
        return safe != null && unsafe != null;
    }
}
