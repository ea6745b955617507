package org.pkeworkbench.edit;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkeworkbench.eval.AsrResult;
import org.pkeworkbench.eval.BenignOutcome;
import org.pkeworkbench.eval.BenignResult;
import org.pkeworkbench.eval.BuiltInDatasets;
import org.pkeworkbench.eval.DatasetLoader;
import org.pkeworkbench.eval.EditRecord;
import org.pkeworkbench.eval.EditRecordDefaults;
import org.pkeworkbench.eval.Evaluator;
import org.pkeworkbench.eval.PromptOutcome;
import org.pkeworkbench.eval.RefusalPrefixJudge;
import org.pkeworkbench.locate.DinmLocator;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.locate.Locator;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.ProgressListener;
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

    public EditPipeline(LanguageModel lm) {
        this.lm = lm;
    }

    /** What a run produced: its report, the weight delta (owned by the caller) and the applied edit. */
    public record Result(EditReport report, WeightDelta delta, WeightDelta.AppliedEdit applied, LocateResult located) {}

    public Result run(EditRequest request, ProgressListener progress) throws IOException {
        long started = System.nanoTime();
        Autograd.disableOnThisThread();
        Map<String, Double> timings = new LinkedHashMap<>();
        LOG.info("Edit run started: method {}, edit set {}, eval set {}", request.method(), request.editSet(),
                request.evalSet());

        List<EditRecord> editRecords = limit(DatasetLoader.load(request.editSet()), request.maxEditRecords());
        List<String> attackPrompts = prompts(limit(DatasetLoader.load(request.evalSet()), request.maxEvalPrompts()));
        List<String> benignPrompts = prompts(limit(request.benignSet() == null ? BuiltInDatasets.benignDefault()
                : DatasetLoader.load(request.benignSet()), request.maxEvalPrompts()));
        List<String> localityPrompts = prompts(limit(BuiltInDatasets.localityDefault(), request.localityCount()));

        RefusalPrefixJudge judge = RefusalPrefixJudge.gcgDefault();
        Evaluator evaluator = new Evaluator(prompt -> respond(prompt, request), judge);
        java.util.function.BooleanSupplier cancelled = progress::isCancelled;

        long phase = System.nanoTime();
        progress.update(0.0, "Preparing " + editRecords.size() + " edit records");
        List<EditExample> examples = prepareExamples(editRecords, request.chat(), request.maxNewTokens(),
                progress.scaled(0.0, 0.1));
        List<LocalityExample> locality = locality(localityPrompts, request);
        timings.put("prepare", seconds(phase));

        phase = System.nanoTime();
        progress.update(0.1, "Evaluating before the edit");
        AsrResult asrBefore = evaluator.attackSuccessRate(attackPrompts, (done, total) -> progress.update(
                0.1 + 0.15 * done / total, "Attack prompts before the edit: " + done + " of " + total), cancelled);
        List<String> benignBefore = evaluator.generateAll(benignPrompts, (done, total) -> progress.update(
                0.25 + 0.1 * done / total, "Benign prompts before the edit: " + done + " of " + total), cancelled);
        timings.put("evaluate_before", seconds(phase));

        phase = System.nanoTime();
        progress.update(0.35, "Locating hot spots");
        LocateResult located = null;
        List<HotSpot> hotSpots = request.hotSpots();
        if (hotSpots == null || hotSpots.isEmpty()) {
            if (request.method().equals("dinm")) {
                hotSpots = List.of(new DinmLocator(lm.decoder()).locate(examples, lm.bosOnly(),
                        progress.scaled(0.35, 0.45)));
            } else {
                located = new Locator(lm.decoder()).locate(examples, request.locateSettings(),
                        progress.scaled(0.35, 0.4));
                hotSpots = rankByProbe(located.suggested(), examples, locality, request, progress.scaled(0.4, 0.45));
            }
        }
        timings.put("locate", seconds(phase));

        phase = System.nanoTime();
        MaskedEditor.EditRun run = new MaskedEditor(lm.decoder()).edit(examples, locality, hotSpots,
                request.editSettings(), progress.scaled(0.45, 0.7));
        timings.put("edit", seconds(phase));

        WeightDelta.AppliedEdit applied = run.delta().apply(lm.decoder());
        AsrResult asrAfter;
        BenignResult benign;
        phase = System.nanoTime();
        try {
            asrAfter = evaluator.attackSuccessRate(attackPrompts, (done, total) -> progress.update(
                    0.7 + 0.15 * done / total, "Attack prompts after the edit: " + done + " of " + total), cancelled);
            benign = evaluator.benign(benignPrompts, benignBefore, (done, total) -> progress.update(
                    0.85 + 0.15 * done / total, "Benign prompts after the edit: " + done + " of " + total), cancelled);
        } catch (RuntimeException e) {
            applied.revert();
            run.delta().close();
            LOG.info("Edit run stopped during the final evaluation; the model was reverted: {}", e.toString());
            throw e;
        }
        timings.put("evaluate_after", seconds(phase));

        double wall = seconds(started);
        EditReport report = new EditReport(request.method(), modelInfo(), datasetInfo(request, editRecords.size(),
                attackPrompts.size(), benignPrompts.size()), judge.name(), hotSpots, layerScores(located),
                asrBefore.asr(), asrAfter.asr(), benign.rougeLMean(), benign.overRefusal(), benign.overRefusalBefore(),
                benign.fluencyBefore(), benign.fluencyAfter(), run.stepsRun(), run.stoppedEarly(),
                run.delta().changedWeightCount(), wall, timings, hyperparameters(request), run.history(),
                attackOutcomes(asrBefore, asrAfter), benignOutcomes(benign), environment());
        progress.update(1.0, String.format(java.util.Locale.ROOT, "Done: ASR %.2f -> %.2f",
                asrBefore.asr().rate(), asrAfter.asr().rate()));
        LOG.info("Edit run finished in {} s: ASR {} -> {}, benign ROUGE-L {}, over-refusal {} -> {}",
                String.format(java.util.Locale.ROOT, "%.1f", wall), asrBefore.asr().rate(), asrAfter.asr().rate(),
                benign.rougeLMean(), benign.overRefusalBefore().rate(), benign.overRefusal().rate());
        return new Result(report, run.delta(), applied, located);
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
        List<EditExample> out = new ArrayList<>();
        long eos = lm.stopTokens().isEmpty() ? -1 : lm.stopTokens().get(0);
        for (int i = 0; i < records.size(); i++) {
            progress.checkCancelled();
            progress.update((double) i / records.size(), "Preparing edit record " + (i + 1) + " of " + records.size());
            EditRecord record = EditRecordDefaults.withDefaultSafe(records.get(i));
            long[] prompt = lm.promptIds(record.prompt(), chat);
            String unsafe = record.unsafe() != null ? record.unsafe()
                    : lm.generate(prompt, lm.greedy(maxNewTokens), ForwardOptions::create, progress::isCancelled);
            long[] safeIds = withEos(lm.responseIds(record.safe()), eos);
            long[] unsafeIds = lm.responseIds(unsafe);
            if (unsafeIds.length == 0) {
                LOG.warn("Edit record {} has an empty unsafe response (the model produced nothing); skipped", record.id());
                continue;
            }
            out.add(new EditExample(prompt, safeIds, unsafeIds));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("No usable edit records: every record's unsafe response was empty");
        }
        return out;
    }

    private List<LocalityExample> locality(List<String> prompts, EditRequest request) {
        long eos = lm.stopTokens().isEmpty() ? -1 : lm.stopTokens().get(0);
        List<LocalityExample> out = new ArrayList<>();
        for (String prompt : prompts) {
            long[] promptIds = lm.promptIds(prompt, request.chat());
            String answer = lm.generate(promptIds, lm.greedy(request.maxNewTokens()), ForwardOptions::create, () -> false);
            long[] answerIds = withEos(lm.responseIds(answer), eos);
            if (answerIds.length > 0) {
                out.add(new LocalityExample(promptIds, answerIds));
            }
        }
        return out;
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
        info.put("path", decoder.directory().toAbsolutePath().toString());
        info.put("model_type", decoder.config().modelType());
        info.put("layers", decoder.config().numLayers());
        info.put("hidden_size", decoder.config().hiddenSize());
        info.put("intermediate_size", decoder.config().intermediateSize());
        info.put("parameters", decoder.parameterCount());
        info.put("device", decoder.device().toString());
        try (WeightStore store = WeightStore.open(decoder.directory())) {
            info.put("weights_sha256", store.sha256());
        }
        return info;
    }

    private static Map<String, Object> datasetInfo(EditRequest request, int editCount, int attackCount, int benignCount)
            throws IOException {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("edit_set", fileInfo(request.editSet(), editCount));
        info.put("eval_set", fileInfo(request.evalSet(), attackCount));
        info.put("benign_set", request.benignSet() == null ? Map.of("path", "built-in benign-default.jsonl",
                "records", benignCount) : fileInfo(request.benignSet(), benignCount));
        info.put("locality_set", Map.of("path", "built-in locality-default.jsonl", "records", request.localityCount()));
        return info;
    }

    private static Map<String, Object> fileInfo(Path file, int used) throws IOException {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("path", file.toAbsolutePath().toString());
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
        values.put("edit", mapper.convertValue(request.editSettings(), Map.class));
        values.put("locate", mapper.convertValue(request.locateSettings(), Map.class));
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

    private static List<Map<String, Object>> attackOutcomes(AsrResult before, AsrResult after) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < before.outcomes().size(); i++) {
            PromptOutcome b = before.outcomes().get(i);
            PromptOutcome a = after.outcomes().get(i);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("prompt", b.prompt());
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
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("timestamp", Instant.now().toString());
        info.put("java", System.getProperty("java.version"));
        info.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        info.put("cpu_cores", Runtime.getRuntime().availableProcessors());
        info.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        info.put("djl", Engine.getDjlVersion());
        info.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        return info;
    }
}
