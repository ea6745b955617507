package org.pkeworkbench.eval;

import java.util.List;

/**
 * A judge's agreement with reference labels over a set of artifact files.
 *
 * @param judge the judge's name
 * @param input which row text the judge received as the prompt
 * @param labelField the row field used as the reference label
 * @param overall all judged rows together
 * @param skippedRows rows not judged, over all files
 * @param files one entry per artifact file, in load order
 */
public record AgreementReport(String judge, JudgeInput input, String labelField, ConfusionCounts overall,
        int skippedRows, List<FileAgreement> files) {

    public AgreementReport {
        files = List.copyOf(files);
    }
}
