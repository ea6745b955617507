package org.pkeworkbench.eval;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures how well a {@link Judge} agrees with reference labels, such as the {@code jailbroken}
 * labels of JailbreakBench's artifacts: accuracy, precision, recall and F1, with "jailbroken" as
 * the positive class, overall and per artifact file.
 */
public final class JudgeAgreement {

    private static final Logger LOG = LoggerFactory.getLogger(JudgeAgreement.class);

    private JudgeAgreement() {}

    /**
     * Runs {@code judge} over the rows of {@code artifacts}. A row is skipped, and counted, when its
     * input text, its response or its label is missing.
     *
     * @param limitPerFile judge at most this many rows per file (the first ones that are not skipped);
     *     0 for all. Skipped rows met before the limit is reached are counted
     * @param progress receives the number of files done out of all files
     */
    public static AgreementReport measure(Judge judge, List<JailbreakArtifact> artifacts, JudgeInput input,
            int limitPerFile, ProgressListener progress) {
        if (limitPerFile < 0) {
            throw new IllegalArgumentException("The row limit per file must be 0 (all) or more, got " + limitPerFile);
        }
        long started = System.nanoTime();
        String labelField = String.join(",", artifacts.stream().map(JailbreakArtifact::labelField).distinct().toList());
        LOG.info("Judge agreement of {} on {} files (input {}, label {}, limit {} rows per file) started",
                judge.name(), artifacts.size(), input, labelField, limitPerFile);
        progress.update(0, artifacts.size());

        List<FileAgreement> files = new ArrayList<>();
        ConfusionCounts overall = ConfusionCounts.EMPTY;
        int skipped = 0;
        for (JailbreakArtifact artifact : artifacts) {
            FileAgreement file = measureFile(judge, artifact, input, limitPerFile);
            files.add(file);
            overall = overall.plus(file.counts());
            skipped += file.skippedRows();
            progress.update(files.size(), artifacts.size());
        }

        LOG.info("Judge agreement of {} done: {} rows judged, {} skipped, accuracy {}, in {} ms", judge.name(),
                overall.total(), skipped, overall.accuracy(), (System.nanoTime() - started) / 1_000_000);
        return new AgreementReport(judge.name(), input, labelField, overall, skipped, files);
    }

    private static FileAgreement measureFile(Judge judge, JailbreakArtifact artifact, JudgeInput input,
            int limitPerFile) {
        ConfusionCounts counts = ConfusionCounts.EMPTY;
        int skipped = 0;
        for (JailbreakArtifact.Row row : artifact.rows()) {
            if (limitPerFile > 0 && counts.total() >= limitPerFile) {
                break;
            }
            String text = row.input(input);
            if (text == null || row.response() == null || row.label() == null) {
                skipped++;
                continue;
            }
            Verdict verdict = judge.judge(text, row.response());
            counts = counts.add(verdict.attackSucceeded(), row.label());
        }
        LOG.debug("{}: {} judged, {} skipped", artifact.file(), counts.total(), skipped);
        return new FileAgreement(artifact.file(), artifact.method(), artifact.targetModel(), counts, skipped);
    }
}
