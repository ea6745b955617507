package org.pkeworkbench.edit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pkeworkbench.eval.Judge;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs several edit methods one after another on the same model, edit set and evaluation sets,
 * reverting each edit before the next, so that their reports can be compared row by row.
 *
 * <p>Example: {@code new MethodComparison(lm, RefusalPrefixJudge.gcgDefault()).run(request, List.of("vanilla", "dinm", "ftl", "pke"),
 * Map.of(), (method, result) -> save(result.report()), ProgressListener.NONE);}
 */
public final class MethodComparison {

    private static final Logger LOG = LoggerFactory.getLogger(MethodComparison.class);

    /** Receives each method's result while its edit is still applied (to save the model or delta). */
    @FunctionalInterface
    public interface ResultHandler {
        void accept(String method, EditPipeline.Result result) throws IOException;
    }

    private final LanguageModel lm;
    private final Judge judge;

    /** Creates a comparison whose runs judge attack success with {@code judge}. */
    public MethodComparison(LanguageModel lm, Judge judge) {
        this.lm = lm;
        this.judge = judge;
    }

    /**
     * Runs each method with {@code template}'s data and evaluation settings.
     *
     * @param template the shared request; its method and edit settings are replaced per method
     * @param methods methods in run order, each one of {@link EditRequest#METHODS}
     * @param settings edit settings per method; a method without an entry uses
     *     {@link EditSettings#defaultsFor(String)} ({@code vanilla} needs none)
     * @param handler called after each run, before its edit is reverted
     * @return the reports in run order
     */
    public List<EditReport> run(EditRequest template, List<String> methods, Map<String, EditSettings> settings,
            ResultHandler handler, ProgressListener progress) throws IOException {
        if (methods.isEmpty()) {
            throw new IllegalArgumentException("A comparison needs at least one method");
        }
        long started = System.nanoTime();
        LOG.info("Method comparison started: {}", methods);
        List<EditReport> reports = new ArrayList<>();
        // Every run starts from the reverted model, so the unedited answers are generated once.
        EditPipeline pipeline = new EditPipeline(lm, judge).reuseBeforeMeasurements();
        for (int i = 0; i < methods.size(); i++) {
            String method = methods.get(i);
            progress.checkCancelled();
            ProgressListener methodProgress = progress.scaled((double) i / methods.size(),
                    (i + 1.0) / methods.size());
            EditSettings methodSettings = settings.getOrDefault(method,
                    EditSettings.defaultsFor(method.equals("vanilla") ? "pke" : method));
            EditRequest request = new EditRequest(template.editSet(), template.evalSet(), template.benignSet(),
                    method, methodSettings, template.locateSettings(), template.hotSpots(), template.chat(),
                    template.maxNewTokens(), template.localityCount(), template.maxEditRecords(),
                    template.maxEvalPrompts(), template.editMode(), template.batchSize(),
                    template.capabilitySet());
            EditPipeline.Result result = pipeline.run(request, methodProgress.prefixed(method + ": "));
            try {
                handler.accept(method, result);
            } finally {
                if (result.applied() != null) {
                    result.applied().revert();
                }
                if (result.delta() != null) {
                    result.delta().close();
                }
            }
            reports.add(result.report());
        }
        LOG.info("Method comparison finished in {} s", String.format(java.util.Locale.ROOT, "%.1f",
                (System.nanoTime() - started) / 1e9));
        return reports;
    }
}
