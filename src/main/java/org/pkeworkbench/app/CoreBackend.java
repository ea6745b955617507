package org.pkeworkbench.app;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.pkeworkbench.edit.DeltaFile;
import org.pkeworkbench.edit.EditExample;
import org.pkeworkbench.edit.EditHistory;
import org.pkeworkbench.edit.EditMode;
import org.pkeworkbench.edit.EditPipeline;
import org.pkeworkbench.edit.EditReport;
import org.pkeworkbench.edit.EditRequest;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.edit.EditedModelWriter;
import org.pkeworkbench.edit.WeightDelta;
import org.pkeworkbench.eval.DatasetLoader;
import org.pkeworkbench.eval.EditRecord;
import org.pkeworkbench.eval.RateWithInterval;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.locate.Locator;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.ComputeDType;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.DemoModel;
import org.pkeworkbench.model.DeviceChoice;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.ForwardResult;
import org.pkeworkbench.model.HookPoints;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.LibtorchThreads;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.io.ModelDirectoryWriter;
import org.pkeworkbench.model.io.ModelFingerprint;
import org.pkeworkbench.trace.CausalTraceResult;
import org.pkeworkbench.trace.CausalTraceSettings;
import org.pkeworkbench.trace.CausalTracing;
import org.pkeworkbench.trace.ContributionGraph;
import org.pkeworkbench.trace.ContributionTracer;
import org.pkeworkbench.trace.LogitLens;
import org.pkeworkbench.trace.LogitLensResult;
import org.pkeworkbench.trace.NeuronWeightTables;
import org.pkeworkbench.trace.TopToken;
import org.pkeworkbench.trace.WeightViews;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workbench backend over the real core: DJL model, PKE locator and editor, evaluation. Edits
 * stack: each edit runs on the weights the applied edits left and goes on top of an
 * {@link EditHistory}, which undo, redo and revert walk.
 */
public final class CoreBackend implements WorkbenchBackend {

    private static final Logger LOG = LoggerFactory.getLogger(CoreBackend.class);

    /** Prompts generated together during an edit's evaluation, as the command line's default. */
    private static final int EVAL_BATCH_SIZE = 8;

    /** Heatmap statistic: L2 norm of each neuron's down projection weights (GPT-2: its {@code c_proj} row). */
    static final String DOWN_NORM = "down_proj column norm";
    /** Heatmap statistic: L2 norm of each neuron's gate projection row; Llama-family models only. */
    static final String GATE_NORM = "gate_proj row norm";
    /** Heatmap statistic: L2 norm of each neuron's up projection weights (GPT-2: its {@code c_fc} column). */
    static final String UP_NORM = "up_proj row norm";
    /** Heatmap statistic: L2 norm of the applied edit's change to each neuron's down projection weights. */
    static final String DOWN_CHANGE = "weight change (down_proj)";

    /** Next tokens listed per model in a comparison. */
    static final int COMPARE_TOP_K = 5;

    /** Heads and neurons kept per node of a contribution graph. */
    static final int CONTRIBUTION_TOP_K = 8;

    /**
     * Run settings of the workbench.
     *
     * @param device {@code auto}, {@code cpu} or {@code gpu}
     * @param editSettings the edit's hyperparameters
     * @param locateSettings the locator's settings
     * @param maxNewTokens tokens per generated response
     * @param localityCount built-in benign prompts in the edit's KL term
     * @param maxEditRecords edit records used, 0 for all
     * @param maxEvalPrompts prompts per evaluation set, 0 for all
     */
    public record Settings(String device, EditSettings editSettings, LocateSettings locateSettings, int maxNewTokens,
            int localityCount, int maxEditRecords, int maxEvalPrompts) {

        public static Settings defaults() {
            return new Settings("auto", EditSettings.pkeDefaults(), LocateSettings.DEFAULT, 48, 16, 0, 0);
        }
    }

    /** Replaced by an opened session's settings or from Run > Settings, except the device. */
    private volatile Settings settings;
    /** The device of the next load; set from the JavaFX thread, read on the backend thread. */
    private volatile String device;
    /** The type every model this backend loads stores its weights and computes in. */
    private final ComputeDType dtype;
    private LanguageModel lm;
    /** The summary {@link #loadModel} returned for the loaded model; null while none is loaded. */
    private ModelSummary loadedSummary;
    /** The loaded model's fingerprint, computed on the first session save; null until then. */
    private ModelFingerprint fingerprint;
    private Path editSet;
    private Path evalSet;
    /** The loaded model's edits; null while no model is loaded. */
    private EditHistory history;
    /** Edit runs since the model was loaded, for the history's names. */
    private int editRuns;
    private volatile boolean editApplied;
    /** libtorch's threads per CPU operation on the background thread; 0 until a model is loaded. */
    private volatile int cpuThreads;

    public CoreBackend() {
        this(Settings.defaults());
    }

    public CoreBackend(Settings settings) {
        this(settings, ComputeDType.FLOAT32);
    }

    /** Creates a backend that loads models in {@code dtype}; float16 halves the weight memory. */
    public CoreBackend(Settings settings, ComputeDType dtype) {
        this.settings = settings;
        this.device = settings.device();
        this.dtype = java.util.Objects.requireNonNull(dtype, "dtype");
    }

    @Override
    public ModelSummary loadModel(Path directory, ProgressListener progress) throws Exception {
        progress.update(-1, "Loading " + directory);
        DeviceChoice.Decision device = DeviceChoice.decide(this.device);
        LanguageModel loaded = LanguageModel.load(directory, device.device(), dtype, progress.prefixed("Opening: "));
        if (progress.isCancelled()) {
            // A cancel after the last tensor: drop the new model and keep the previous one.
            loaded.close();
            throw new CancellationException("Loading " + directory + " cancelled; the previous model stays loaded");
        }
        closeModel();
        lm = loaded;
        history = new EditHistory(lm.decoder());
        editRuns = 0;
        return describeLoadedModel(directory, device.reason(), null);
    }

    /**
     * Builds the loaded model's summary and remembers it, with its fingerprint when known, and
     * reads libtorch's thread count of the calling (background) thread.
     */
    private ModelSummary describeLoadedModel(Path directory, String deviceReason, ModelFingerprint knownFingerprint) {
        var config = lm.decoder().config();
        Path name = directory.toAbsolutePath().normalize().getFileName();
        loadedSummary = new ModelSummary(name == null ? directory.toString() : name.toString(), directory,
                architectureName(config.modelType()), config.numLayers(), config.hiddenSize(),
                config.intermediateSize(), lm.decoder().parameterCount(), lm.decoder().dtype().label(),
                deviceName(lm.decoder().device()), lm.decoder().parameterBytes(), deviceReason);
        fingerprint = knownFingerprint;
        cpuThreads = LibtorchThreads.current();
        return loadedSummary;
    }

    /** Names a device for people: "CPU" or "GPU 0" rather than DJL's {@code cpu()} and {@code gpu(0)}. */
    static String deviceName(ai.djl.Device device) {
        return device.isGpu() ? "GPU " + device.getDeviceId() : "CPU";
    }

    /** Returns the GPU that {@link #deviceName} named, or null for the CPU and other names. */
    static ai.djl.Device gpuOf(String deviceName) {
        if (deviceName == null || !deviceName.matches("GPU \\d+")) {
            return null;
        }
        return ai.djl.Device.gpu(Integer.parseInt(deviceName.substring(4)));
    }

    private static String architectureName(String modelType) {
        switch (modelType) {
            case "gpt2":
                return "GPT2LMHeadModel";
            case "mistral":
                return "MistralForCausalLM";
            case "qwen2":
                return "Qwen2ForCausalLM";
            default:
                return "LlamaForCausalLM";
        }
    }

    @Override
    public void setDevice(String next) {
        if (!List.of("auto", "cpu", "gpu").contains(next)) {
            throw new IllegalArgumentException("Unknown device '" + next + "'; use auto, cpu or gpu");
        }
        device = next;
        LOG.info("The next model loads with device '{}'", next);
    }

    @Override
    public Settings runSettings() {
        return settings;
    }

    @Override
    public void setRunSettings(Settings next) {
        Settings current = settings;
        settings = new Settings(current.device(), next.editSettings(), next.locateSettings(), next.maxNewTokens(),
                next.localityCount(), next.maxEditRecords(), next.maxEvalPrompts());
        LOG.info("Run settings changed: {}", settings);
    }

    @Override
    public String device() {
        return device;
    }

    @Override
    public int cpuThreads() {
        return cpuThreads;
    }

    @Override
    public void setCpuThreads(int threads) {
        LibtorchThreads.set(threads);
        cpuThreads = LibtorchThreads.current();
    }

    @Override
    public ModelSummary loadDemoModel(ProgressListener progress) throws Exception {
        return loadModel(DemoModel.directory(), progress);
    }

    @Override
    public Path demoDataset(DatasetRole role) throws Exception {
        return role == DatasetRole.EDIT ? DemoModel.editSet() : DemoModel.evalSet();
    }

    @Override
    public List<String> loadDataset(DatasetRole role, Path file) throws Exception {
        List<String> prompts = DatasetLoader.load(file).stream().map(EditRecord::prompt).toList();
        if (role == DatasetRole.EDIT) {
            editSet = file;
        } else {
            evalSet = file;
        }
        return prompts;
    }

    @Override
    public LocateResult locate(ProgressListener progress) throws Exception {
        requireModel();
        if (editSet == null) {
            throw new IllegalStateException("Open an edit set before locating hot spots");
        }
        List<EditRecord> records = EditPipeline.limit(DatasetLoader.load(editSet), settings.maxEditRecords());
        List<EditExample> examples = new EditPipeline(lm).prepareExamples(records, lm.hasChatTemplate(),
                settings.maxNewTokens(), progress.scaled(0, 0.2));
        return new Locator(lm.decoder()).locate(examples, settings.locateSettings(), progress.scaled(0.2, 1.0));
    }

    @Override
    public EditSummary edit(List<HotSpot> hotSpots, ProgressListener progress) throws Exception {
        requireModel();
        if (editSet == null || evalSet == null) {
            throw new IllegalStateException("Open an edit set and an eval set before running an edit: the eval set's "
                    + "attack prompts measure ASR before and after");
        }
        EditRequest request = new EditRequest(editSet, evalSet, null, settings.editSettings().method(),
                settings.editSettings(), settings.locateSettings(), hotSpots, lm.hasChatTemplate(),
                settings.maxNewTokens(), settings.localityCount(), settings.maxEditRecords(), settings.maxEvalPrompts(),
                EditMode.BATCH, EVAL_BATCH_SIZE, null);
        EditPipeline.Result result = new EditPipeline(lm).run(request, progress);

        // The pipeline leaves its edit applied; the history applies it again the same way, so it can undo it.
        result.applied().revert();
        if (progress.isCancelled()) {
            result.delta().close();
            throw new CancellationException("Edit cancelled after its evaluation; the model is unchanged");
        }
        EditReport report = result.report();
        editRuns++;
        String name = String.format(Locale.ROOT, "%s #%d: ASR %.2f -> %.2f",
                settings.editSettings().method().toUpperCase(Locale.ROOT), editRuns, report.asrBefore().rate(),
                report.asrAfter().rate());
        history.push(name, result.delta(), report);
        refreshEditFlag();
        return summary(report);
    }

    private static EditSummary summary(EditReport report) {
        return new EditSummary(proportion(report.asrBefore()), proportion(report.asrAfter()),
                proportion(report.overRefusalBefore()), proportion(report.overRefusal()), 1.0, report.rougeLBenign(),
                report.steps(), report.wallSeconds(), proportions(report.asrByCategoryBefore()),
                proportions(report.asrByCategoryAfter()));
    }

    @Override
    public EditHistoryState editHistory() {
        if (history == null) {
            return EditHistoryState.EMPTY;
        }
        return new EditHistoryState(items(history.appliedEntries()), items(history.undoneEntries()));
    }

    private static List<EditHistoryState.Item> items(List<EditHistory.Entry> entries) {
        return entries.stream()
                .map(entry -> new EditHistoryState.Item(entry.name(),
                        entry.report() == null ? null : summary(entry.report())))
                .toList();
    }

    @Override
    public EditHistoryState undoEdit() {
        requireModel();
        history.undo();
        refreshEditFlag();
        return editHistory();
    }

    @Override
    public EditHistoryState redoEdit() {
        requireModel();
        history.redo();
        refreshEditFlag();
        return editHistory();
    }

    /** Writes the current weights with {@link EditedModelWriter}; rejects a directory inside the model's. */
    @Override
    public void saveEditedModel(Path directory, ProgressListener progress) throws IOException {
        requireEdit("save the edited model");
        ModelDirectoryWriter.checkOutputDirectory(lm.decoder().directory(), directory);
        progress.update(-1, "Writing the edited model to " + directory);
        EditedModelWriter.write(lm.decoder(), directory, progress.prefixed("Saving the edited model: "));
    }

    /** Writes the sum of the applied edits with {@link DeltaFile}, replacing {@code file} if it exists. */
    @Override
    public void saveDelta(Path file, ProgressListener progress) throws IOException {
        requireEdit("save a delta");
        checkOutsideModel(file);
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("Delta file " + file + " is a directory; give a file name");
        }
        progress.update(-1, "Writing the delta to " + file);
        try (WeightDelta combined = history.combined()) {
            DeltaFile.save(combined, lm.decoder(), file, progress.prefixed("Saving the delta: "));
        }
    }

    private void checkOutsideModel(Path file) throws IOException {
        Path model = lm.decoder().directory().toRealPath();
        Path parent = file.toAbsolutePath().normalize().getParent();
        Path resolved = parent != null && Files.exists(parent) ? parent.toRealPath() : parent;
        if (resolved != null && resolved.startsWith(model)) {
            throw new IllegalArgumentException("Delta file " + file + " is inside the model directory " + model
                    + ", which is never written; choose a file outside it");
        }
    }

    private void requireEdit(String action) {
        requireModel();
        if (!history.canUndo()) {
            throw new IllegalStateException("No edit is applied; run an edit or redo one before you " + action);
        }
    }

    /**
     * Answers {@code prompt} (in the chat template when the model has one) with the edited weights,
     * then reverts every applied edit, answers with the original weights and redoes the edits. The
     * redo runs in a {@code finally}, so a failure or cancel leaves the same weights and history.
     */
    @Override
    public ModelComparison compare(String prompt, ProgressListener progress) {
        requireModel();
        long started = System.nanoTime();
        long[] ids = promptIds(prompt);
        List<String> applied = history.appliedEntries().stream().map(EditHistory.Entry::name).toList();
        if (applied.isEmpty()) {
            ModelComparison.Response original = respond(ids, progress.prefixed("Original model: "));
            return new ModelComparison(prompt, original, null, List.of());
        }

        ModelComparison.Response edited = respond(ids, progress.scaled(0, 0.5).prefixed("Edited model: "));
        ModelComparison.Response original;
        // Count the undos, so that the finally block redoes exactly those even if one of them fails.
        int undone = 0;
        try {
            while (history.canUndo()) {
                history.undo();
                undone++;
            }
            original = respond(ids, progress.scaled(0.5, 1).prefixed("Original model: "));
        } finally {
            for (int i = 0; i < undone; i++) {
                history.redo();
            }
            refreshEditFlag();
        }
        LOG.info("Compared the original and edited model on one prompt in {} ms; the responses {}",
                (System.nanoTime() - started) / 1_000_000, original.text().equals(edited.text()) ? "match" : "differ");
        return new ModelComparison(prompt, original, edited, applied);
    }

    /**
     * Reads the next-token distribution, the logit lens and the MLP activations at the last position
     * of {@code ids}, then generates greedily.
     */
    private ModelComparison.Response respond(long[] ids, ProgressListener progress) {
        progress.checkCancelled();
        progress.update(0, "next tokens");
        List<TopToken> next = nextTokens(ids);
        LogitLensResult lensResult = LogitLens.run(lm.decoder(), lm.tokenizer(), ids, new long[0], 1,
                progress.scaled(0.05, 0.15));
        List<TopToken> lens = new ArrayList<>();
        for (TopToken[][] row : lensResult.top()) {
            lens.add(row[ids.length - 1][0]);
        }
        float[][] activations = lastPositionActivations(ids);
        progress.update(0.2, "generating");
        String text = lm.generate(ids, lm.greedy(settings.maxNewTokens()), ForwardOptions::create,
                progress::isCancelled);
        progress.update(1, "done");
        return new ModelComparison.Response(text, next, lens, activations);
    }

    /** MLP neuron activations at the last position of {@code ids}, {@code [layers][intermediate]}. */
    private float[][] lastPositionActivations(long[] ids) {
        Autograd.disableOnThisThread();
        DecoderModel model = lm.decoder();
        int layers = model.config().numLayers();
        String[] points = new String[layers];
        for (int layer = 0; layer < layers; layer++) {
            points[layer] = HookPoints.mlpAct(layer);
        }
        float[][] activations = new float[layers][];
        try (NDManager scope = model.manager().newSubManager()) {
            ForwardResult forward = model.forward(scope, scope.create(ids).reshape(1, ids.length),
                    ForwardOptions.create().capture(points).withoutLogits());
            for (int layer = 0; layer < layers; layer++) {
                activations[layer] = forward.capture(points[layer]).get(0, ids.length - 1)
                        .toType(DataType.FLOAT32, false).toFloatArray();
            }
        }
        return activations;
    }

    /** Softmax over the logits at the last position of {@code ids}, top {@link #COMPARE_TOP_K}. */
    private List<TopToken> nextTokens(long[] ids) {
        Autograd.disableOnThisThread();
        DecoderModel model = lm.decoder();
        float[] probabilities;
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray logits = model.forward(scope, scope.create(ids).reshape(1, ids.length), ForwardOptions.create())
                    .logits();
            probabilities = logits.get(0, ids.length - 1).toType(DataType.FLOAT32, false).softmax(-1).toFloatArray();
        }
        List<TopToken> top = new ArrayList<>();
        boolean[] taken = new boolean[probabilities.length];
        for (int k = 0; k < Math.min(COMPARE_TOP_K, probabilities.length); k++) {
            int best = -1;
            for (int i = 0; i < probabilities.length; i++) {
                if (!taken[i] && (best < 0 || probabilities[i] > probabilities[best])) {
                    best = i;
                }
            }
            taken[best] = true;
            top.add(new TopToken(best, lm.tokenizer().decode(new long[] {best}, false), probabilities[best]));
        }
        return top;
    }

    /** Traces {@code prompt}, in the chat template when the model has one. */
    @Override
    public ContributionTrace contributions(String prompt, ProgressListener progress) {
        requireModel();
        long[] ids = promptIds(prompt);
        ContributionGraph graph = new ContributionTracer(lm.decoder(), CONTRIBUTION_TOP_K, lm.tokenizer())
                .trace(ids, progress);
        List<String> texts = new ArrayList<>();
        for (long id : ids) {
            texts.add(lm.tokenizer().decode(new long[] {id}, false));
        }
        return new ContributionTrace(graph, texts);
    }

    /**
     * Traces {@code prompt}, in the chat template when the model has one, restoring {@code resid_post}
     * one layer at a time with the default settings (10 noisy samples, noise 3 x the embedding standard deviation, seed 0).
     */
    @Override
    public CausalTraceResult causalTrace(String prompt, String target, ProgressListener progress) {
        requireModel();
        long[] ids = promptIds(prompt);
        long targetId = lm.firstTargetToken(target);
        try (CausalTracing tracing = new CausalTracing(lm.decoder(), ids, targetId, CausalTraceSettings.defaults())) {
            return tracing.run(lm.tokenizer(), progress);
        }
    }

    private long[] promptIds(String prompt) {
        long[] ids = lm.promptIds(prompt, lm.hasChatTemplate());
        if (ids.length == 0) {
            throw new IllegalArgumentException("The prompt '" + prompt + "' encodes to no tokens; give a non-empty prompt");
        }
        return ids;
    }

    /** The loaded model, or null; for tests and the CLI, not for use while a backend call runs. */
    public LanguageModel languageModel() {
        return lm;
    }

    /** The report of the newest applied edit, or null at the original weights. */
    public EditReport lastReport() {
        if (history == null || !history.canUndo()) {
            return null;
        }
        List<EditHistory.Entry> applied = history.appliedEntries();
        return applied.get(applied.size() - 1).report();
    }

    private static Map<String, Proportion> proportions(Map<String, RateWithInterval> rates) {
        Map<String, Proportion> converted = new LinkedHashMap<>();
        rates.forEach((category, rate) -> converted.put(category, proportion(rate)));
        return converted;
    }

    private static Proportion proportion(RateWithInterval rate) {
        return new Proportion(rate.count(), rate.total());
    }

    @Override
    public void revertEdit() {
        if (history != null && history.canUndo()) {
            history.revertAll();
            LOG.info("Reverted to the original weights; the undone edits stay redoable");
        }
        refreshEditFlag();
    }

    private void refreshEditFlag() {
        editApplied = history != null && history.canUndo();
    }

    /**
     * Returns the current weights' per-neuron norms, which include the applied edits. While an edit is
     * applied, also returns the per-neuron change of the down projection by all applied edits together. Before a model is loaded, returns an empty map.
     */
    @Override
    public Map<String, float[][]> weightStatistics() {
        if (lm == null) {
            return Map.of();
        }
        long started = System.nanoTime();
        NeuronWeightTables norms = WeightViews.norms(lm.decoder());
        Map<String, float[][]> statistics = new LinkedHashMap<>();
        statistics.put(DOWN_NORM, norms.down());
        if (norms.hasGate()) {
            statistics.put(GATE_NORM, norms.gate());
        }
        statistics.put(UP_NORM, norms.up());

        if (history != null && history.canUndo()) {
            int layers = lm.decoder().config().numLayers();
            float[][] change = new float[layers][];
            try (WeightDelta combined = history.combined()) {
                for (int layer = 0; layer < layers; layer++) {
                    change[layer] = combined.neuronChange(lm.decoder(), layer);
                }
            }
            statistics.put(DOWN_CHANGE, change);
        }
        LOG.info("Weight statistics of {} layers computed in {} ms", lm.decoder().config().numLayers(),
                (System.nanoTime() - started) / 1_000_000);
        return statistics;
    }

    @Override
    public boolean hasAppliedEdit() {
        return editApplied;
    }

    @Override
    public void saveSession(Path project, SessionView view, ProgressListener progress) throws IOException {
        requireModel();
        checkProjectOutsideModel(project);
        if (fingerprint == null) {
            progress.update(-1, "Computing the model's fingerprint");
            fingerprint = ModelFingerprint.of(lm.decoder().directory());
        }
        Map<String, SessionStore.FileWriter> files = new LinkedHashMap<>();
        List<SessionFile.HistoryEntry> applied = historyEntries(history.appliedEntries(), 1, files);
        List<SessionFile.HistoryEntry> undone = historyEntries(history.undoneEntries(), applied.size() + 1, files);
        SessionFile.ModelEntry model = new SessionFile.ModelEntry(
                lm.decoder().directory().toAbsolutePath().normalize().toString(), loadedSummary.name(),
                loadedSummary.architecture(), fingerprint);
        SessionFile session = new SessionFile(SessionFile.FORMAT, SessionFile.FORMAT_VERSION,
                java.time.Instant.now().toString(), model, datasetEntry(editSet), datasetEntry(evalSet), settings,
                view.locate() == null ? null : SessionStore.LOCATE_JSON, view.selectedHotSpots(), applied, undone,
                editRuns, view.results(), view.comparison());
        SessionStore.write(project, session, view.locate(), files, progress);
    }

    /** Describes {@code entries} for the session file and adds a writer for each one's delta and report to {@code files}. */
    private List<SessionFile.HistoryEntry> historyEntries(List<EditHistory.Entry> entries, int firstNumber,
            Map<String, SessionStore.FileWriter> files) {
        List<SessionFile.HistoryEntry> described = new ArrayList<>();
        int number = firstNumber;
        for (EditHistory.Entry entry : entries) {
            String stem = String.format(Locale.ROOT, "edit-%03d", number++);
            String delta = "deltas/" + stem + ".safetensors";
            files.put(delta, target -> DeltaFile.save(entry.delta(), lm.decoder(), target));
            String report = null;
            if (entry.report() != null) {
                report = "reports/" + stem + ".json";
                files.put(report, target -> SessionStore.writeReport(entry.report(), target));
            }
            described.add(new SessionFile.HistoryEntry(entry.name(), delta, report,
                    entry.report() == null ? null : summary(entry.report())));
        }
        return described;
    }

    private static SessionFile.DatasetEntry datasetEntry(Path file) throws IOException {
        return file == null ? null
                : new SessionFile.DatasetEntry(file.toAbsolutePath().normalize().toString(), SessionStore.sha256(file));
    }

    private void checkProjectOutsideModel(Path project) throws IOException {
        Path model = lm.decoder().directory().toRealPath();
        Path absolute = project.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        Path resolved = parent != null && Files.exists(parent) ? parent.toRealPath().resolve(absolute.getFileName())
                : absolute;
        if (resolved.startsWith(model)) {
            throw new IllegalArgumentException("Session " + project + " is inside the model directory " + model
                    + ", which is never written; choose a place outside it");
        }
    }

    /**
     * Opens a saved session. The model, its history and the prompt sets are built aside and replace
     * the loaded ones only when all of it succeeded, so a failure or cancel leaves the previous
     * model, history and settings in place. A prompt set that is missing or has changed since the
     * save becomes a warning: a missing one is not opened, a changed one is opened as it is now.
     */
    @Override
    public SessionRestore openSession(Path project, ModelDirectoryPrompt prompt, ProgressListener progress)
            throws Exception {
        long started = System.nanoTime();
        progress.update(-1, "Reading " + project);
        SessionFile session = SessionStore.read(project);
        LocateResult locate = SessionStore.readLocate(project, session);
        List<String> warnings = new ArrayList<>();
        progress.checkCancelled();
        Path modelDirectory = SessionModelResolver.resolveDirectory(project, session.model(), prompt, warnings);
        progress.checkCancelled();

        List<String> editPrompts = sessionDataset(session.editSet(), DatasetRole.EDIT, warnings);
        List<String> evalPrompts = sessionDataset(session.evalSet(), DatasetRole.EVALUATION, warnings);

        progress.update(0.1, "Loading " + modelDirectory);
        DeviceChoice.Decision device = DeviceChoice.decide(this.device);
        LanguageModel loaded = LanguageModel.load(modelDirectory, device.device(), dtype,
                progress.scaled(0.1, 0.6).prefixed("Opening: "));
        EditHistory rebuilt = new EditHistory(loaded.decoder());
        try {
            rebuildHistory(project, session, loaded.decoder(), rebuilt, progress.scaled(0.6, 0.95));
            progress.checkCancelled();
        } catch (Exception | Error error) {
            rebuilt.close();
            loaded.close();
            throw error;
        }

        closeModel();
        lm = loaded;
        history = rebuilt;
        editRuns = session.editRuns();
        if (session.settings() != null) {
            Settings saved = session.settings();
            settings = new Settings(settings.device(), saved.editSettings(), saved.locateSettings(),
                    saved.maxNewTokens(), saved.localityCount(), saved.maxEditRecords(), saved.maxEvalPrompts());
        }
        editSet = editPrompts == null ? null : Path.of(session.editSet().path());
        evalSet = evalPrompts == null ? null : Path.of(session.evalSet().path());
        ModelSummary summary = describeLoadedModel(modelDirectory, device.reason(), session.model().fingerprint());
        refreshEditFlag();
        LOG.info("Opened session {} ({} applied, {} undone edits) in {} ms", project, session.applied().size(),
                session.undone().size(), (System.nanoTime() - started) / 1_000_000);
        return new SessionRestore(project, summary, editSet, editPrompts, evalSet, evalPrompts, locate,
                session.selectedHotSpots(), editHistory(), session.results(), session.comparison(), weightStatistics(),
                warnings);
    }

    /**
     * Loads a session's prompt set for display, or returns null and adds a warning when it is missing or
     * unreadable. A set whose SHA-256 changed since the save is loaded with a warning.
     */
    private static List<String> sessionDataset(SessionFile.DatasetEntry entry, DatasetRole role, List<String> warnings) {
        if (entry == null) {
            return null;
        }
        Path file = Path.of(entry.path());
        if (!Files.isRegularFile(file)) {
            warnings.add("The " + role.displayName() + " " + file + " no longer exists, so it was not opened; "
                    + "open it from its new place");
            return null;
        }
        try {
            if (!SessionStore.sha256(file).equals(entry.sha256())) {
                warnings.add("The " + role.displayName() + " " + file + " has changed since the session was saved; "
                        + "the saved locate result and edit results come from the earlier contents");
            }
            return DatasetLoader.load(file).stream().map(EditRecord::prompt).toList();
        } catch (IOException | RuntimeException error) {
            LOG.error("Loading the {} {} of a session failed", role.displayName(), file, error);
            warnings.add("The " + role.displayName() + " " + file + " could not be loaded (" + error.getMessage()
                    + "), so it was not opened");
            return null;
        }
    }

    /** Applies the session's applied edits in order, then pushes and undoes the undone ones so they can be redone. */
    private static void rebuildHistory(Path project, SessionFile session, DecoderModel model, EditHistory rebuilt,
            ProgressListener progress) throws IOException {
        List<SessionFile.HistoryEntry> all = new ArrayList<>(session.applied());
        // The undone list starts with the next edit to redo, which was pushed before the ones after it.
        all.addAll(session.undone());
        for (int i = 0; i < all.size(); i++) {
            progress.checkCancelled();
            SessionFile.HistoryEntry entry = all.get(i);
            progress.update((double) i / all.size(), "Applying edit '" + entry.name() + "'");
            EditReport report = entry.report() == null ? null : SessionStore.readReport(project, entry.report());
            WeightDelta delta = DeltaFile.load(SessionStore.resolveInside(project, entry.delta()), model);
            rebuilt.push(entry.name(), delta, report);
        }
        for (int i = 0; i < session.undone().size(); i++) {
            rebuilt.undo();
        }
    }

    private void requireModel() {
        if (lm == null) {
            throw new IllegalStateException("Open a model first");
        }
    }

    private void closeModel() {
        if (history != null) {
            history.close();
            history = null;
        }
        editApplied = false;
        loadedSummary = null;
        fingerprint = null;
        if (lm != null) {
            lm.close();
            lm = null;
        }
    }

    @Override
    public void close() {
        closeModel();
    }
}
