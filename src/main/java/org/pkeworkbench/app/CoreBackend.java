package org.pkeworkbench.app;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pkeworkbench.edit.EditExample;
import org.pkeworkbench.edit.EditMode;
import org.pkeworkbench.edit.EditPipeline;
import org.pkeworkbench.edit.EditReport;
import org.pkeworkbench.edit.EditRequest;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.eval.DatasetLoader;
import org.pkeworkbench.eval.EditRecord;
import org.pkeworkbench.eval.RateWithInterval;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.locate.Locator;
import org.pkeworkbench.model.DemoModel;
import org.pkeworkbench.model.DeviceChoice;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.trace.CausalTraceResult;
import org.pkeworkbench.trace.CausalTraceSettings;
import org.pkeworkbench.trace.CausalTracing;
import org.pkeworkbench.trace.ContributionGraph;
import org.pkeworkbench.trace.ContributionTracer;
import org.pkeworkbench.trace.NeuronWeightTables;
import org.pkeworkbench.trace.WeightViews;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workbench backend over the real core: DJL model, PKE locator and editor, evaluation. Each
 * edit starts from the original weights (an applied edit is reverted first).
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

    private final Settings settings;
    private LanguageModel lm;
    private Path editSet;
    private Path evalSet;
    private EditPipeline.Result lastEdit;
    private volatile boolean editApplied;

    public CoreBackend() {
        this(Settings.defaults());
    }

    public CoreBackend(Settings settings) {
        this.settings = settings;
    }

    @Override
    public ModelSummary loadModel(Path directory, ProgressListener progress) throws Exception {
        progress.update(-1, "Loading " + directory);
        LanguageModel loaded = LanguageModel.load(directory, DeviceChoice.resolve(settings.device()));
        closeModel();
        lm = loaded;
        var config = lm.decoder().config();
        Path name = directory.toAbsolutePath().normalize().getFileName();
        return new ModelSummary(name == null ? directory.toString() : name.toString(), directory,
                architectureName(config.modelType()), config.numLayers(), config.hiddenSize(),
                config.intermediateSize(), lm.decoder().parameterCount(), "float32", lm.decoder().device().toString());
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
        revertEdit();
        EditRequest request = new EditRequest(editSet, evalSet, null, settings.editSettings().method(),
                settings.editSettings(), settings.locateSettings(), hotSpots, lm.hasChatTemplate(),
                settings.maxNewTokens(), settings.localityCount(), settings.maxEditRecords(), settings.maxEvalPrompts(),
                EditMode.BATCH, EVAL_BATCH_SIZE, null);
        lastEdit = new EditPipeline(lm).run(request, progress);
        editApplied = true;
        EditReport report = lastEdit.report();
        return new EditSummary(proportion(report.asrBefore()), proportion(report.asrAfter()),
                proportion(report.overRefusalBefore()), proportion(report.overRefusal()), 1.0, report.rougeLBenign(),
                report.steps(), report.wallSeconds());
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
        long[] targetIds = lm.responseIds(target);
        if (targetIds.length == 0) {
            throw new IllegalArgumentException("The target '" + target + "' encodes to no tokens; give a non-empty "
                    + "continuation");
        }
        try (CausalTracing tracing = new CausalTracing(lm.decoder(), ids, targetIds[0], CausalTraceSettings.defaults())) {
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

    /** The report of the last edit, or null before the first. */
    public EditReport lastReport() {
        return lastEdit == null ? null : lastEdit.report();
    }

    private static Proportion proportion(RateWithInterval rate) {
        return new Proportion(rate.count(), rate.total());
    }

    @Override
    public void revertEdit() {
        if (lastEdit != null) {
            lastEdit.applied().revert();
            lastEdit.delta().close();
            lastEdit = null;
            LOG.info("Reverted the applied edit");
        }
        editApplied = false;
    }

    /**
     * Returns the current weights' per-neuron norms, which include an applied edit. While an edit is
     * applied, also returns its per-neuron change of the down projection. Before a model is loaded, returns an empty map.
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

        if (editApplied && lastEdit != null) {
            int layers = lm.decoder().config().numLayers();
            float[][] change = new float[layers][];
            for (int layer = 0; layer < layers; layer++) {
                change[layer] = lastEdit.delta().neuronChange(lm.decoder(), layer);
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

    private void requireModel() {
        if (lm == null) {
            throw new IllegalStateException("Open a model first");
        }
    }

    private void closeModel() {
        revertEdit();
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
