package org.pkeworkbench.eval;

/**
 * A judge's agreement with the reference labels on one artifact file.
 *
 * @param file the artifact file, relative to the artifacts folder
 * @param method the attack method
 * @param targetModel the attacked model
 * @param counts the judged rows
 * @param skippedRows rows not judged because the input text, the response or the label is missing
 */
public record FileAgreement(String file, String method, String targetModel, ConfusionCounts counts,
        int skippedRows) {
}
