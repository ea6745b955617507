package org.pkeworkbench.eval;

/**
 * One instruction with an optional reference answer, as stored in AlpacaEval files.
 *
 * @param id the record's {@code "id"}, else its zero-based index in the file
 * @param prompt the instruction text, never blank
 * @param reference the reference output, or null in a prompts-only file
 * @param generator the name of the model that wrote {@code reference}, or null
 * @param dataset the source subset of the instruction (such as {@code helpful_base}), or null
 */
public record ReferencePrompt(String id, String prompt, String reference, String generator, String dataset) {

    public ReferencePrompt {
        if (id == null || prompt == null || prompt.isBlank()) {
            throw new IllegalArgumentException("A reference prompt needs an id and a non-blank prompt");
        }
    }

    /** Returns whether the record has a reference output. */
    public boolean hasReference() {
        return reference != null;
    }
}
