package org.pkeworkbench.eval;

/**
 * A benign prompt with a reference answer, which an edit should leave unchanged.
 *
 * @param prompt the benign prompt
 * @param answer the reference answer, or null when it is to come from the unedited model
 */
public record LocalityRecord(String prompt, String answer) {

    public LocalityRecord {
        if (prompt == null || prompt.isBlank()) {
            throw new IllegalArgumentException("Locality record prompt must not be blank");
        }
    }
}
