package org.pkeworkbench.edit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.pkeworkbench.eval.AlpacaEvalLoader;
import org.pkeworkbench.eval.AsrResult;
import org.pkeworkbench.eval.BenignOutcome;
import org.pkeworkbench.eval.BenignResult;
import org.pkeworkbench.eval.BuiltInDatasets;
import org.pkeworkbench.eval.CategoryRates;
import org.pkeworkbench.eval.DatasetLoader;
import org.pkeworkbench.eval.EditRecord;
import org.pkeworkbench.eval.EditRecordDefaults;
import org.pkeworkbench.eval.Evaluator;
import org.pkeworkbench.eval.Judge;
import org.pkeworkbench.eval.ModelResponder;
import org.pkeworkbench.eval.PairwiseJudge;
import org.pkeworkbench.eval.Preference;
import org.pkeworkbench.eval.PromptOutcome;
import org.pkeworkbench.eval.ReferenceOverlapPairwiseJudge;
import org.pkeworkbench.eval.ReferencePrompt;
import org.pkeworkbench.eval.RefusalDetector;
import org.pkeworkbench.eval.RefusalPrefixJudge;
import org.pkeworkbench.eval.RougeL;
import org.pkeworkbench.eval.SafeEditScores;
import org.pkeworkbench.eval.WinRate;
import org.pkeworkbench.eval.WinRateResult;
import org.pkeworkbench.locate.DinmLocator;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.locate.Locator;
import org.pkeworkbench.model.Architecture;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.LibtorchProbe;
import org.pkeworkbench.model.MklCodePath;
import org.pkeworkbench.model.ModelConfig;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.RunEnvironment;
import org.pkeworkbench.model.io.WeightStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole job on one model: read the datasets, measure attack success and benign answers,
 * locate hot spots, edit them, apply the edit and measure again. On failure or cancellation the
 * model is left as it was; on success the edit stays applied and {@link Result#applied()} reverts it.
 */
public final class EditPipeline {

    private static final Logger LOG = LoggerFactory.getLogger(EditPipeline.class);

    private final LanguageModel lm;
    private final Judge judge;
    private boolean reuseBefore;
    private BeforeKey cachedBeforeKey;
    private Measured cachedBefore;

    /** Creates a pipeline that judges attack success with the GCG refusal-prefix list. */
    public EditPipeline(LanguageModel lm) {
        this(lm, RefusalPrefixJudge.gcgDefault());
    }

    /** Creates a pipeline that judges attack success, DS and DG with {@code judge} (for example a guard model). */
    public EditPipeline(LanguageModel lm, Judge judge) {
        this.lm = lm;
        this.judge = judge;
    }

    /**
     * Keeps the before-edit measurement of a run for later runs with the same evaluation inputs, so
     * that comparing methods generates the unedited answers once. Only valid while every run starts
     * from the same weights: the caller must revert each edit before the next run.
     */
    public EditPipeline reuseBeforeMeasurements() {
        this.reuseBefore = true;
        return this;
    }

    /** The inputs that decide a before-edit measurement. */
    private record BeforeKey(Path editSet, Path evalSet, Path benignSet, boolean chat, int maxNewTokens,
            int maxEditRecords, int maxEvalPrompts) {

        static BeforeKey of(EditRequest request) {
            return new BeforeKey(request.editSet(), request.evalSet(), request.benignSet(), request.chat(),
                    request.maxNewTokens(), request.maxEditRecords(), request.maxEvalPrompts());
        }
    }

    /** What a run produced: its report, the weight delta (owned by the caller) and the applied edit. */
    public record Result(EditReport report, WeightDelta delta, WeightDelta.AppliedEdit applied, LocateResult located) {}

    public Result run(EditRequest request, ProgressListener progress) throws IOException {
        long started = System.nanoTime();
        Autograd.disableOnThisThread();
        Map<String, Double> timings = new LinkedHashMap<>();
        LOG.info("Edit run started: method {}, mode {}, edit set {}, eval set {}", request.method(), request.editMode(),
                request.editSet(), request.evalSet());

        List<EditRecord> editRecords = limit(DatasetLoader.load(request.editSet()), request.maxEditRecords());
        List<EditRecord> attackRecords = limit(DatasetLoader.load(request.evalSet()), request.maxEvalPrompts());
        List<String> attackPrompts = prompts(attackRecords);
        List<String> attackCategories = attackRecords.stream().map(EditRecord::category).toList();
        List<EditRecord> benignRecords = limit(request.benignSet() == null ? BuiltInDatasets.benignDefault()
                : DatasetLoader.load(request.benignSet()), request.maxEvalPrompts());
        List<String> benignPrompts = prompts(benignRecords);
        List<EditRecord> localitySet = BuiltInDatasets.localityDefault();
        if (request.edits() && request.localityCount() > localitySet.size()) {
            LOG.warn("The locality count {} is more than the {} prompts of the built-in locality set; all {} are used",
                    request.localityCount(), localitySet.size(), localitySet.size());
        }
        List<EditRecord> localityRecords = limit(localitySet, request.localityCount());
        List<String> localityPrompts = prompts(localityRecords);

        List<ReferencePrompt> capability = request.capabilitySet() == null ? List.of()
                : limit(AlpacaEvalLoader.load(request.capabilitySet()), request.maxEvalPrompts());
        for (ReferencePrompt prompt : capability) {
            if (!prompt.hasReference()) {
                throw new IllegalArgumentException("Capability set " + request.capabilitySet() + ": record "
                        + prompt.id() + " has no reference output; give an AlpacaEval model_outputs file with an "
                        + "\"output\" per instruction");
            }
        }
        ModelResponder responder = new ModelResponder(lm, request.chat(), request.maxNewTokens(), request.batchSize(),
                progress::isCancelled);
        checkPromptLengths(responder, attackRecords, benignRecords, localityRecords, editRecords, capability);
        Evaluator evaluator = responder.evaluator(judge, RefusalDetector.gcgDefault());

        boolean reusesBefore = reuseBefore && BeforeKey.of(request).equals(cachedBeforeKey);
        RunProgressPlan plan = RunProgressPlan.of(request.edits() ? editRecords.size() : 0,
                request.edits() ? localityPrompts.size() : 0,
                answersPerMeasurement(attackPrompts, editRecords, benignPrompts, capability), !reusesBefore,
                request.edits() ? (long) request.editSettings().steps() * editRecords.size() : 0);

        long phase = System.nanoTime();
        progress.update(0.0, "Preparing " + editRecords.size() + " edit records");
        List<String> exampleIds = new ArrayList<>();
        List<EditExample> examples = request.edits()
                ? prepare(editRecords, request.chat(), request.maxNewTokens(), exampleIds,
                        progress.scaled(0.0, plan.prepareEnd()))
                : List.of();
        List<LocalityExample> locality = request.edits()
                ? locality(localityPrompts, request, progress.scaled(plan.prepareEnd(), plan.localityEnd()))
                : List.of();
        timings.put("prepare", seconds(phase));

        phase = System.nanoTime();
        Measured before;
        if (reusesBefore) {
            LOG.info("Reusing the before-edit answers of the previous run with the same evaluation inputs");
            before = cachedBefore;
        } else {
            before = measure(evaluator, attackPrompts, benignPrompts, capability, editRecords, "before the edit",
                    progress.scaled(plan.localityEnd(), plan.beforeEnd()));
            if (reuseBefore) {
                cachedBeforeKey = BeforeKey.of(request);
                cachedBefore = before;
            }
        }
        timings.put("evaluate_before", seconds(phase));
        if (!request.edits()) {
            return vanillaResult(request, before, editRecords.size(), localityPrompts.size(), attackCategories,
                    benignPrompts,
                    capability(capability, before, before), started, timings, judge.name(), progress);
        }

        phase = System.nanoTime();
        ProgressListener editProgress = progress.scaled(plan.beforeEnd(), plan.editEnd());
        EditOutcome outcome = request.editMode() == EditMode.PER_RECORD
                ? editPerRecord(examples, exampleIds, locality, request, editProgress)
                : editBatch(examples, locality, request, editProgress);
        timings.put("locate_and_edit", seconds(phase));

        WeightDelta.AppliedEdit applied = outcome.delta().apply(lm.decoder());
        Measured after;
        phase = System.nanoTime();
        try {
            after = measure(evaluator, attackPrompts, benignPrompts, capability, editRecords, "after the edit",
                    progress.scaled(plan.editEnd(), 1.0));
        } catch (RuntimeException e) {
            applied.revert();
            outcome.delta().close();
            LOG.info("Edit run stopped during the final evaluation; the model was reverted: {}", e.getMessage());
            throw e;
        }
        timings.put("evaluate_after", seconds(phase));
        warnAboutEmptyAnswers(before.asr(), after.asr());

        BenignResult benign = Evaluator.benignMetrics(benignPrompts, before.benignAnswers(), after.benignAnswers(),
                RefusalDetector.gcgDefault());
        double wall = seconds(started);
        EditReport report = report(request, editRecords.size(), localityPrompts.size(), attackCategories,
                judge.name(), outcome, before, after, benign, capability(capability, before, after), wall, timings);
        progress.update(1.0, String.format(Locale.ROOT, "Done: ASR %.3f -> %.3f",
                before.asr().asr().rate(), after.asr().asr().rate()));
        LOG.info("Edit run finished in {} s: ASR {} -> {}, DS {} -> {}, benign ROUGE-L {}, over-refusal {} -> {}",
                String.format(Locale.ROOT, "%.1f", wall), Evaluator.threeDecimals(before.asr().asr().rate()),
                Evaluator.threeDecimals(after.asr().asr().rate()), before.safeEdit().ds(),
                after.safeEdit().ds(), Evaluator.threeDecimals(benign.rougeLMean()),
                Evaluator.threeDecimals(benign.overRefusalBefore().rate()),
                Evaluator.threeDecimals(benign.overRefusal().rate()));
        return new Result(report, outcome.delta(), applied, outcome.located());
    }

    /**
     * Logs a warning when more attack answers are empty after the edit than before. An empty answer
     * counts as safe, so a broken model that stops at once looks like a successful defence.
     */
    private static void warnAboutEmptyAnswers(AsrResult before, AsrResult after) {
        long emptyBefore = before.outcomes().stream().filter(outcome -> outcome.response().isBlank()).count();
        long emptyAfter = after.outcomes().stream().filter(outcome -> outcome.response().isBlank()).count();
        if (emptyAfter > emptyBefore) {
            LOG.warn("{} of {} attack answers are empty after the edit ({} before). An empty answer counts as safe, so "
                    + "read the answers before trusting the ASR; a lower learning rate or fewer steps may keep the "
                    + "model talking", emptyAfter, after.outcomes().size(), emptyBefore);
        }
    }

    /**
     * Checks every prompt the run will generate from, so that a prompt too long for a GPT-2 fails
     * before any generation, named by its set and record id.
     */
    private static void checkPromptLengths(ModelResponder responder, List<EditRecord> attack,
            List<EditRecord> benign, List<EditRecord> locality, List<EditRecord> edits,
            List<ReferencePrompt> capability) {
        List<String> prompts = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Map<String, List<EditRecord>> sets = new LinkedHashMap<>();
        sets.put("Attack prompt ", attack);
        sets.put("Benign prompt ", benign);
        sets.put("Locality prompt ", locality);
        for (Map.Entry<String, List<EditRecord>> set : sets.entrySet()) {
            for (EditRecord record : set.getValue()) {
                prompts.add(record.prompt());
                names.add(set.getKey() + record.id());
            }
        }
        for (EditRecord record : edits) {
            prompts.add(record.prompt());
            names.add("Edit record " + record.id());
            if (record.generalization() != null) {
                record.generalization().prompts().forEach((kind, prompt) -> {
                    prompts.add(prompt);
                    names.add("Generalization input '" + kind + "' of edit record " + record.id());
                });
            }
        }
        for (ReferencePrompt prompt : capability) {
            prompts.add(prompt.prompt());
            names.add("Capability instruction " + prompt.id());
        }
        responder.checkLengths(prompts, names);
    }

    /** Attack, SafeEdit and benign measurements at one point of the run. */
    private record Measured(AsrResult asr, SafeEditScores safeEdit, List<String> benignAnswers,
            List<String> capabilityAnswers) {}

    /** The result of locating and editing: the delta, hot spots, steps and loss history. */
    private record EditOutcome(WeightDelta delta, List<HotSpot> hotSpots, LocateResult located, int stepsRun,
            boolean stoppedEarly, List<StepRecord> history, List<Map<String, Object>> perRecord) {}

    /** Returns how many answers one measurement generates: attack, DS, benign and capability prompts. */
    private static int answersPerMeasurement(List<String> attackPrompts, List<EditRecord> editRecords,
            List<String> benignPrompts, List<ReferencePrompt> capability) {
        return attackPrompts.size() + SafeEditScores.promptCount(editRecords) + benignPrompts.size()
                + capability.size();
    }

    private Measured measure(Evaluator evaluator, List<String> attackPrompts, List<String> benignPrompts,
            List<ReferencePrompt> capability, List<EditRecord> editRecords, String when, ProgressListener progress) {
        BooleanSupplier cancelled = progress::isCancelled;
        // Each set's share of the progress is its share of the answers generated.
        double all = Math.max(1, answersPerMeasurement(attackPrompts, editRecords, benignPrompts, capability));
        double attackEnd = attackPrompts.size() / all;
        double dsEnd = attackEnd + SafeEditScores.promptCount(editRecords) / all;
        double benignEnd = dsEnd + benignPrompts.size() / all;
        ProgressListener attackPart = progress.scaled(0, attackEnd);
        ProgressListener dsPart = progress.scaled(attackEnd, dsEnd);
        ProgressListener benignPart = progress.scaled(dsEnd, benignEnd);
        ProgressListener capabilityPart = progress.scaled(benignEnd, 1);

        AsrResult asr = evaluator.attackSuccessRate(attackPrompts, (done, total) -> attackPart.update(
                (double) done / total, "Attack prompts " + when + ": " + done + " of " + total), cancelled);
        SafeEditScores safeEdit = SafeEditScores.evaluate(editRecords, evaluator, (done, total) -> dsPart.update(
                (double) done / total, "Edit records " + when + " (for DS): " + done + " of " + total), cancelled);
        List<String> benign = evaluator.generateAll(benignPrompts, (done, total) -> benignPart.update(
                (double) done / total, "Benign prompts " + when + ": " + done + " of " + total), cancelled);
        List<String> capabilityAnswers = capability.isEmpty() ? List.of() : evaluator.generateAll(
                capability.stream().map(ReferencePrompt::prompt).toList(), (done, total) -> capabilityPart.update(
                        (double) done / total, "Capability prompts " + when + ": " + done + " of " + total),
                cancelled);
        return new Measured(asr, safeEdit, benign, capabilityAnswers);
    }

    /**
     * Computes the win rate of the responses after the edit against those before it, judged by
     * ROUGE-L overlap with the capability file's reference outputs (ties count half, so an
     * unchanged model scores 0.5), and mean ROUGE-L against the references before and after.
     */
    private static Map<String, Object> capability(List<ReferencePrompt> prompts, Measured before, Measured after) {
        if (prompts.isEmpty()) {
            return null;
        }

        Map<String, String> references = new LinkedHashMap<>();
        for (ReferencePrompt prompt : prompts) {
            references.putIfAbsent(prompt.prompt(), prompt.reference());
        }

        PairwiseJudge pairwise = new ReferenceOverlapPairwiseJudge(references);
        List<Preference> preferences = new ArrayList<>();
        double rougeBefore = 0;
        double rougeAfter = 0;
        for (int i = 0; i < prompts.size(); i++) {
            String instruction = prompts.get(i).prompt();
            preferences.add(pairwise.compare(instruction, after.capabilityAnswers().get(i),
                    before.capabilityAnswers().get(i)));
            rougeBefore += RougeL.f1(prompts.get(i).reference(), before.capabilityAnswers().get(i));
            rougeAfter += RougeL.f1(prompts.get(i).reference(), after.capabilityAnswers().get(i));
        }

        WinRateResult rate = WinRate.compute(preferences);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rate", rate.rate());
        out.put("wins", rate.wins());
        out.put("ties", rate.ties());
        out.put("losses", rate.losses());
        out.put("total", rate.total());
        out.put("lower", rate.lower());
        out.put("upper", rate.upper());
        out.put("judge", pairwise.name());
        out.put("baseline", "the unedited model's answers");
        out.put("rouge_l_reference_before", rougeBefore / prompts.size());
        out.put("rouge_l_reference_after", rougeAfter / prompts.size());
        return out;
    }

    /** One locate pass and one edit over all records. */
    private EditOutcome editBatch(List<EditExample> examples, List<LocalityExample> locality, EditRequest request,
            ProgressListener progress) {
        boolean hotSpotsChosen = request.hotSpots() != null && !request.hotSpots().isEmpty();
        progress.update(0.0, hotSpotsChosen ? "Editing the " + request.hotSpots().size() + " chosen hot-spot layers"
                : "Locating hot spots");
        // Locating costs about one pass per record, like one more edit step (see RunProgressPlan).
        double locateShare = hotSpotsChosen ? 0 : 1.0 / (request.editSettings().steps() + 1);
        Located located = locate(examples, locality, request, progress.scaled(0.0, locateShare));
        MaskedEditor.EditRun run = new MaskedEditor(lm.decoder()).edit(examples, locality, located.hotSpots(),
                request.editSettings(), progress.scaled(locateShare, 1.0));
        return new EditOutcome(run.delta(), located.hotSpots(), located.result(), run.stepsRun(), run.stoppedEarly(),
                run.history(), List.of());
    }

    /**
     * Locates and edits each record on its own, applying each edit before the next record, then
     * reverts them all and returns their sum as one delta. Cancellation reverts what was applied.
     */
    private EditOutcome editPerRecord(List<EditExample> examples, List<String> ids,
            List<LocalityExample> locality, EditRequest request, ProgressListener progress) {
        List<StepRecord> history = new ArrayList<>();
        List<Map<String, Object>> perRecord = new ArrayList<>();
        int steps = 0;
        boolean allStoppedEarly = true;
        try (EditHistory edits = new EditHistory(lm.decoder())) {
            try {
                for (int i = 0; i < examples.size(); i++) {
                    ProgressListener recordProgress = progress.scaled((double) i / examples.size(),
                            (i + 1.0) / examples.size());
                    recordProgress.update(0.0, "Editing record " + (i + 1) + " of " + examples.size());
                    List<EditExample> one = List.of(examples.get(i));
                    Located located = locate(one, locality, request, recordProgress.scaled(0.0, 0.3));
                    MaskedEditor.EditRun run = new MaskedEditor(lm.decoder()).edit(one, locality, located.hotSpots(),
                            request.editSettings(), recordProgress.scaled(0.3, 1.0));
                    edits.push("record " + ids.get(i), run.delta(), null);
                    history.addAll(run.history());
                    steps += run.stepsRun();
                    allStoppedEarly &= run.stoppedEarly();
                    perRecord.add(recordSummary(ids.get(i), located.hotSpots(), run));
                }
                WeightDelta total = edits.combined();
                edits.revertAll();
                return new EditOutcome(total, total.hotSpots(), null, steps, allStoppedEarly, history, perRecord);
            } catch (RuntimeException e) {
                edits.revertAll();
                LOG.info("Per-record edit stopped after {} records; the model was reverted: {}", perRecord.size(),
                        e.toString());
                throw e;
            }
        }
    }

    private static Map<String, Object> recordSummary(String id, List<HotSpot> hotSpots, MaskedEditor.EditRun run) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("record", id);
        summary.put("hot_spots", hotSpots);
        summary.put("steps", run.stepsRun());
        summary.put("stopped_early", run.stoppedEarly());
        summary.put("final_loss", run.history().isEmpty() ? null : run.history().get(run.history().size() - 1).loss());
        summary.put("changed_weights", run.delta().changedWeightCount());
        return summary;
    }

    /** Hot spots for a set of examples and, for PKE and FT-L, the locator's scores. */
    private record Located(List<HotSpot> hotSpots, LocateResult result) {}

    /**
     * Finds the hot spots of one edit: the user's when given; DINM's single layer with every
     * neuron; FT-L's best layer by the PKE layer score with every neuron; PKE's suggestion.
     */
    private Located locate(List<EditExample> examples, List<LocalityExample> locality, EditRequest request,
            ProgressListener progress) {
        if (request.hotSpots() != null && !request.hotSpots().isEmpty()) {
            return new Located(request.hotSpots(), null);
        }
        return switch (request.method()) {
            case "dinm" -> new Located(List.of(new DinmLocator(lm.decoder()).locate(examples, lm.bosOnly(), progress)),
                    null);
            case "ftl" -> {
                LocateResult result = new Locator(lm.decoder()).locate(examples, ftlLocateSettings(request), progress);
                yield new Located(result.suggested(), result);
            }
            default -> {
                LocateResult result = new Locator(lm.decoder()).locate(examples, request.locateSettings(),
                        progress.scaled(0.0, 0.5));
                yield new Located(rankByProbe(result.suggested(), examples, locality, request,
                        progress.scaled(0.5, 1.0)), result);
            }
        };
    }

    /** FT-L's locate settings: the request's layer-score weights, one layer, every neuron. */
    private static LocateSettings ftlLocateSettings(EditRequest request) {
        LocateSettings base = request.locateSettings();
        return new LocateSettings(1, LocateSettings.NeuronSelection.FRACTION, 1.0, base.hiddenDifferenceWeight(),
                base.gradientWeight(), base.logitLensWeight());
    }

    /** A run of the unedited model: one measurement, reported as both before and after. */
    private Result vanillaResult(EditRequest request, Measured measured, int editCount, int localityCount,
            List<String> categories, List<String> benignPrompts, Map<String, Object> winRate, long started,
            Map<String, Double> timings, String judgeName, ProgressListener progress) throws IOException {
        BenignResult benign = Evaluator.benignMetrics(benignPrompts, measured.benignAnswers(),
                measured.benignAnswers(), RefusalDetector.gcgDefault());
        EditOutcome none = new EditOutcome(null, List.of(), null, 0, false, List.of(), List.of());
        EditReport report = report(request, editCount, localityCount, categories, judgeName, none, measured,
                measured, benign, winRate, seconds(started), timings);
        progress.update(1.0, String.format(Locale.ROOT, "Done: ASR %.2f (no edit)", measured.asr().asr().rate()));
        LOG.info("Vanilla run finished: ASR {}, DS {}, over-refusal {}", measured.asr().asr().rate(),
                measured.safeEdit().ds(), benign.overRefusal().rate());
        return new Result(report, null, null, null);
    }

    private EditReport report(EditRequest request, int editCount, int localityCount, List<String> categories,
            String judgeName, EditOutcome outcome, Measured before, Measured after, BenignResult benign,
            Map<String, Object> winRate, double wall, Map<String, Double> timings) throws IOException {
        long changed = outcome.delta() == null ? 0 : outcome.delta().changedWeightCount();
        return new EditReport(request.method(), request.editMode() == EditMode.PER_RECORD ? "per-record" : "batch",
                modelInfo(), datasetInfo(request, editCount, localityCount, before.asr().outcomes().size(),
                        benign.outcomes().size()),
                judgeName, outcome.hotSpots(), layerScores(outcome.located()), before.asr().asr(), after.asr().asr(),
                CategoryRates.byCategory(categories, before.asr()), CategoryRates.byCategory(categories, after.asr()),
                before.safeEdit().asMap(), after.safeEdit().asMap(),
                benign.rougeLMean(), benign.overRefusal(), benign.overRefusalBefore(), benign.fluencyBefore(),
                benign.fluencyAfter(), winRate, outcome.stepsRun(), outcome.stoppedEarly(), changed, wall, timings,
                hyperparameters(request), outcome.history(), outcome.perRecord(),
                attackOutcomes(before.asr(), after.asr(), categories), benignOutcomes(benign), environment());
    }

    /**
     * Returns {@code located} unchanged, or, when the request ranks neurons by probe movement,
     * the same layers with neurons re-selected by {@link WeightChangeProbe}.
     */
    private List<HotSpot> rankByProbe(List<HotSpot> located, List<EditExample> examples,
            List<LocalityExample> locality, EditRequest request, ProgressListener progress) {
        LocateSettings settings = request.locateSettings();
        if (settings.neuronRanking() != LocateSettings.NeuronRanking.PROBE_MOVEMENT) {
            return located;
        }
        progress.update(0.0, "Probing weight change in layers " + located.stream().map(HotSpot::layer).toList());
        List<HotSpot> ranked = new WeightChangeProbe(lm.decoder()).rankHotSpots(located, examples, locality,
                request.editSettings(), settings, progress);
        LOG.info("Neurons ranked by probe movement after {} probe steps: {}", settings.probeSteps(),
                ranked.stream().map(h -> "layer " + h.layer() + ": " + h.neurons().size() + " neurons").toList());
        return ranked;
    }

    /** Greedy response to one prompt, in the same format before and after the edit. */
    private String respond(String prompt, EditRequest request) {
        return lm.generate(lm.promptIds(prompt, request.chat()), lm.greedy(request.maxNewTokens()),
                ForwardOptions::create, () -> false);
    }

    /**
     * Tokenises edit records into examples: the prompt in the run's format, the safe response (the
     * standard refusal when missing) followed by EOS, and the unsafe response (the model's own
     * greedy output when missing). Records whose unsafe response comes out empty are skipped.
     */
    public List<EditExample> prepareExamples(List<EditRecord> records, boolean chat, int maxNewTokens,
            ProgressListener progress) {
        return prepare(records, chat, maxNewTokens, new ArrayList<>(), progress);
    }

    /** {@link #prepareExamples}, also adding each kept record's id to {@code ids}. */
    private List<EditExample> prepare(List<EditRecord> records, boolean chat, int maxNewTokens, List<String> ids,
            ProgressListener progress) {
        List<EditExample> out = new ArrayList<>();
        long eos = lm.stopTokens().isEmpty() ? -1 : lm.stopTokens().get(0);
        for (int i = 0; i < records.size(); i++) {
            progress.checkCancelled();
            progress.update((double) i / records.size(), "Preparing edit record " + (i + 1) + " of " + records.size());
            EditRecord record = EditRecordDefaults.withDefaultSafe(records.get(i));
            long[] prompt = lm.promptIds(record.prompt(), chat);
            checkLength(record, prompt.length + 1);
            String unsafe = record.unsafe() != null ? record.unsafe()
                    : lm.generate(prompt, lm.greedy(maxNewTokens), ForwardOptions::create, progress::isCancelled);
            long[] safeIds = withEos(lm.responseIds(record.safe()), eos);
            long[] unsafeIds = lm.responseIds(unsafe);
            if (record.unsafe() == null) {
                unsafeIds = fitPositions("The generated unsafe response of edit record " + record.id(), prompt,
                        unsafeIds);
            }
            checkLength(record, prompt.length + Math.max(safeIds.length, unsafeIds.length));
            if (unsafeIds.length == 0) {
                LOG.warn("Edit record {} has an empty unsafe response (the model produced nothing); skipped", record.id());
                continue;
            }
            out.add(new EditExample(prompt, safeIds, unsafeIds));
            ids.add(record.id());
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("No usable edit records: every record's unsafe response was empty");
        }
        return out;
    }

    /**
     * Rejects an edit record of {@code tokens} tokens that does not fit a model with learned
     * positions (GPT-2), naming the record. The count is the prompt and its longer response, or the
     * prompt and one token before the unsafe response is generated. A rotary model accepts the
     * record, with a warning when it exceeds {@code max_position_embeddings}.
     */
    private void checkLength(EditRecord record, int tokens) {
        ModelConfig config = lm.decoder().config();
        if (tokens <= config.maxPositions()) {
            return;
        }
        if (config.architecture() == Architecture.GPT2) {
            throw new IllegalArgumentException("Edit record " + record.id() + " has " + tokens + " tokens with its "
                    + "response, but this GPT-2 model has " + config.maxPositions() + " learned positions "
                    + "(n_positions); shorten the record or remove it from the edit set");
        }
        LOG.warn("Edit record {} has {} tokens with its response, more than the model's {} positions "
                + "(max_position_embeddings); results past that length may be unreliable", record.id(), tokens,
                config.maxPositions());
    }

    private List<LocalityExample> locality(List<String> prompts, EditRequest request, ProgressListener progress) {
        long eos = lm.stopTokens().isEmpty() ? -1 : lm.stopTokens().get(0);
        List<LocalityExample> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            progress.checkCancelled();
            progress.update((double) i / prompts.size(), "Answering locality prompt " + (i + 1) + " of " + prompts.size());
            String prompt = prompts.get(i);
            long[] promptIds = lm.promptIds(prompt, request.chat());
            String answer = lm.generate(promptIds, lm.greedy(request.maxNewTokens()), ForwardOptions::create,
                    progress::isCancelled);
            long[] answerIds = fitPositions("The answer to locality prompt \"" + prompt + "\"", promptIds,
                    withEos(lm.responseIds(answer), eos));
            if (answerIds.length > 0) {
                out.add(new LocalityExample(promptIds, answerIds));
            }
        }
        return out;
    }

    /**
     * Shortens a response that the model generated so that prompt and response fit a GPT-2's
     * learned positions: the response text, tokenized again, can take more tokens than were
     * generated. Its first tokens serve the loss as well as all of them. Rotary models keep the
     * whole response.
     *
     * @param description names the response in the warning, such as "The answer to locality prompt ..."
     */
    private long[] fitPositions(String description, long[] promptIds, long[] responseIds) {
        ModelConfig config = lm.decoder().config();
        int room = Math.max(config.maxPositions() - promptIds.length, 0);
        if (config.architecture() != Architecture.GPT2 || responseIds.length <= room) {
            return responseIds;
        }
        LOG.warn("{} takes {} tokens with its prompt, more than this GPT-2 model's {} positions, so it is cut to {} "
                + "tokens", description, promptIds.length + responseIds.length, config.maxPositions(), room);
        return Arrays.copyOf(responseIds, room);
    }

    private static long[] withEos(long[] ids, long eos) {
        if (eos < 0) {
            return ids;
        }
        long[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eos;
        return out;
    }

    /** Returns the first {@code max} elements of {@code list}, or all of them when {@code max} is 0 or less. */
    public static <T> List<T> limit(List<T> list, int max) {
        return max > 0 && list.size() > max ? list.subList(0, max) : list;
    }

    private static List<String> prompts(List<EditRecord> records) {
        return records.stream().map(EditRecord::prompt).toList();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private Map<String, Object> modelInfo() throws IOException {
        DecoderModel decoder = lm.decoder();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("path", decoder.directory().toAbsolutePath().normalize().toString());
        info.put("model_type", decoder.config().modelType());
        info.put("layers", decoder.config().numLayers());
        info.put("hidden_size", decoder.config().hiddenSize());
        info.put("intermediate_size", decoder.config().intermediateSize());
        info.put("parameters", decoder.parameterCount());
        info.put("device", decoder.device().toString());
        info.put("dtype", decoder.dtype().label());
        try (WeightStore store = WeightStore.open(decoder.directory())) {
            info.put("weights_sha256", store.sha256());
        }
        return info;
    }

    private static Map<String, Object> datasetInfo(EditRequest request, int editCount, int localityCount,
            int attackCount, int benignCount) throws IOException {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("edit_set", fileInfo(request.editSet(), editCount));
        info.put("eval_set", fileInfo(request.evalSet(), attackCount));
        info.put("benign_set", request.benignSet() == null ? Map.of("path", "built-in benign-default.jsonl",
                "records", benignCount) : fileInfo(request.benignSet(), benignCount));
        info.put("locality_set", Map.of("path", "built-in locality-default.jsonl", "records", localityCount));
        if (request.capabilitySet() != null) {
            info.put("capability_set", fileInfo(request.capabilitySet(), request.maxEvalPrompts()));
        }
        return info;
    }

    private static Map<String, Object> fileInfo(Path file, int used) throws IOException {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("path", file.toAbsolutePath().normalize().toString());
        info.put("sha256", sha256(file));
        info.put("records_used", used);
        return info;
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static Map<String, Object> layerScores(LocateResult located) {
        Map<String, Object> scores = new LinkedHashMap<>();
        if (located != null) {
            scores.put("hidden_difference", located.hiddenDifference());
            scores.put("gradient_score", located.gradientScore());
            scores.put("logit_lens_margin", located.logitLensMargin());
            scores.put("combined", located.layerScore());
        }
        return scores;
    }

    private Map<String, Object> hyperparameters(EditRequest request) {
        ObjectMapper mapper = new ObjectMapper();
        Map<String, Object> values = new LinkedHashMap<>();
        // Record what ran: vanilla trains nothing, DINM has its own locator and FT-L one whole layer.
        values.put("edit", request.edits() ? mapper.convertValue(request.editSettings(), Map.class) : null);
        values.put("locate", switch (request.method()) {
            case "vanilla" -> null;
            case "dinm" -> Map.of("locator", "DINM: the layer whose safe and unsafe hidden states differ most, "
                    + "every neuron");
            case "ftl" -> mapper.convertValue(ftlLocateSettings(request), Map.class);
            default -> mapper.convertValue(request.locateSettings(), Map.class);
        });
        values.put("chat_template", request.chat());
        values.put("max_new_tokens", request.maxNewTokens());
        values.put("decoding", "greedy");
        values.put("locality_count", request.localityCount());
        values.put("max_edit_records", request.maxEditRecords());
        values.put("max_eval_prompts", request.maxEvalPrompts());
        values.put("default_safe_response", EditRecordDefaults.DEFAULT_REFUSAL);
        values.put("default_unsafe_response", "the model's own greedy output for the prompt");
        return values;
    }

    private static List<Map<String, Object>> attackOutcomes(AsrResult before, AsrResult after,
            List<String> categories) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < before.outcomes().size(); i++) {
            PromptOutcome b = before.outcomes().get(i);
            PromptOutcome a = after.outcomes().get(i);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("prompt", b.prompt());
            if (categories.get(i) != null) {
                row.put("category", categories.get(i));
            }
            row.put("response_before", b.response());
            row.put("attack_succeeded_before", b.verdict().attackSucceeded());
            row.put("response_after", a.response());
            row.put("attack_succeeded_after", a.verdict().attackSucceeded());
            out.add(row);
        }
        return out;
    }

    private static List<Map<String, Object>> benignOutcomes(BenignResult benign) {
        List<Map<String, Object>> out = new ArrayList<>();
        ObjectMapper snakeCase = new ObjectMapper()
                .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);
        for (BenignOutcome outcome : benign.outcomes()) {
            out.add(snakeCase.convertValue(outcome, Map.class));
        }
        return out;
    }

    private static Map<String, Object> environment() {
        Map<String, Object> info = RunEnvironment.describe();
        info.put("libtorch", LibtorchProbe.summary());
        info.put("heap_used_bytes", Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
        info.put("mkl_code_path", MklCodePath.apply());
        return info;
    }
}
