package org.pkeworkbench.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.pkeworkbench.edit.DeltaFile;
import org.pkeworkbench.edit.EditPipeline;
import org.pkeworkbench.edit.EditMode;
import org.pkeworkbench.edit.EditReport;
import org.pkeworkbench.edit.EditRequest;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.edit.EditedModelWriter;
import org.pkeworkbench.eval.report.HtmlReport;
import org.pkeworkbench.eval.report.ReportReader;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.model.DeviceChoice;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.ModelConfig;
import org.pkeworkbench.model.io.ModelDirectoryWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code edit}: locate, edit, evaluate before and after, save the edited model and a JSON report. */
@Command(name = "edit", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Locate hot spots, edit them (PKE or DINM), evaluate attack success and benign answers before "
                + "and after, and write the edited model and a JSON report.")
final class EditCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(EditCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model directory (only read).")
    Path model;

    @Option(names = "--edit-set", required = true, description = "Edit records: SafeEdit JSON, AdvBench-style CSV "
            + "(goal column) or JSONL {prompt, safe, unsafe}. Missing safe responses get a standard refusal; missing "
            + "unsafe responses get the model's own output.")
    Path editSet;

    @Option(names = "--eval-set", required = true, description = "Attack prompts for ASR before and after (same formats).")
    Path evalSet;

    @Option(names = "--capability-set", description = "AlpacaEval-style JSON of instructions with reference outputs "
            + "(for example alpaca_eval/model_outputs_gpt4_1106_preview.json): reports the win rate of the answers "
            + "after the edit against those before it, judged by ROUGE-L overlap with the references.")
    Path capabilitySet;

    @Option(names = "--batch-size", defaultValue = "8", description = "Prompts generated together in one left-padded "
            + "batch during evaluation (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--benign-set", description = "Benign prompts for ROUGE-L and over-refusal (default: the built-in set).")
    Path benignSet;

    @Option(names = "--out", description = "New directory for the edited model; must not exist. Required for every "
            + "method but vanilla.")
    Path out;

    @Option(names = "--report", required = true, description = "JSON report file.")
    Path report;

    @Option(names = "--html", description = "Also write the report as a self-contained HTML page with charts "
            + "(the same page as 'report --html').")
    Path html;

    @Option(names = "--delta", description = "Also write the weight change as a small delta file (safetensors "
            + "holding only the changed neuron slices) for 'apply-delta'.")
    Path delta;

    @Option(names = "--overwrite", description = "Replace --report, --html and --delta if they exist (--out must always be new).")
    boolean overwrite;

    @Option(names = "--method", defaultValue = "pke", description = "pke, dinm, ftl (fine-tuning of the located "
            + "layer's whole MLP) or vanilla (no edit, evaluation only) (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--edit-mode", defaultValue = "batch", description = "batch (one edit from all records) or "
            + "per-record (locate and edit each record in turn, as DINM's code does) (default: ${DEFAULT-VALUE}).")
    String editMode;

    @Option(names = "--chat", negatable = true, description = "Use the model's chat template for prompts (default: "
            + "when the model has one).")
    Boolean chat;

    @Option(names = "--max-new-tokens", defaultValue = "48", description = "Tokens per generated response "
            + "(default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--steps", description = "Adam steps (default: 40 for pke, 10 for dinm, 25 for ftl).")
    Integer steps;

    @Option(names = "--lr", description = "Learning rate (default: 5e-3 for pke, 5e-4 for dinm and ftl; DINM's "
            + "published 1e-5 for dinm on Mistral models).")
    Double learningRate;

    @Option(names = "--layers", defaultValue = "2", description = "PKE: number of hot-spot layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--neuron-fraction", defaultValue = "0.2", description = "PKE: fraction of each hot-spot layer's "
            + "neurons to edit (default: ${DEFAULT-VALUE}).")
    double neuronFraction;

    @Option(names = "--neuron-count", description = "PKE: edit this many top neurons per hot-spot layer instead of a "
            + "fraction.")
    Integer neuronCount;

    @Option(names = "--score-share", description = "PKE: edit the fewest top neurons whose scores add up to this share "
            + "(0 to 1] of the layer's total, instead of a fraction.")
    Double scoreShare;

    @Option(names = "--layer-score-weights", split = ",", description = "Weights of the three layer scores: hidden-state "
            + "difference, gradient, logit-lens margin (default: 1,1,1).")
    List<Double> layerScoreWeights;

    @Option(names = "--probe-steps", defaultValue = "0", description = "PKE: before the edit, train every neuron of "
            + "the located layers for this many gradient steps on the edit loss and select neurons by how far their "
            + "weights move instead of by locator score; 0 turns the probe off (default: ${DEFAULT-VALUE}).")
    int probeSteps;

    @Option(names = "--train", split = ",", description = "Matrices a hot spot trains: down, gate, up (default: down).")
    List<String> train;

    @Option(names = "--w-safe", description = "Weight of the safe response's NLL.")
    Double safeWeight;

    @Option(names = "--w-unlikely", description = "Weight of the unsafe response's unlikelihood.")
    Double unlikelihoodWeight;

    @Option(names = "--w-kl", description = "Weight of the locality KL term.")
    Double klWeight;

    @Option(names = "--w-kl-first", description = "Extra KL weight at the first answer position.")
    Double firstPositionKlWeight;

    @Option(names = "--w-norm", description = "Weight of the squared weight change.")
    Double normWeight;

    @Option(names = "--kl-without-gradient", description = "Reproduce the published DINM code: the KL term has no gradient.")
    boolean klWithoutGradient;

    @Option(names = "--max-change", defaultValue = "0", description = "Clip each weight's change to this size; 0 for "
            + "no bound (default).")
    double maxChange;

    @Option(names = "--stop-safe-nll", defaultValue = "0", description = "Stop early once the mean safe NLL (nats per "
            + "token) falls to this; 0 disables early stopping (default).")
    double stopSafeNll;

    @Option(names = "--stop-unsafe-probability", defaultValue = "0", description = "With --stop-safe-nll: also "
            + "require the mean unsafe token probability to fall to this; 0 ignores it (default).")
    double stopUnsafeProbability;

    @Option(names = "--seed", defaultValue = "42", description = "Seed recorded in the report (the edit itself is "
            + "deterministic) (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--locality-count", defaultValue = "16", description = "Built-in benign prompts in the KL term "
            + "(default: ${DEFAULT-VALUE}).")
    int localityCount;

    @Option(names = "--max-edit-records", defaultValue = "0", description = "Use at most this many edit records; 0 for all.")
    int maxEditRecords;

    @Option(names = "--max-eval-prompts", defaultValue = "0", description = "Use at most this many prompts of each "
            + "evaluation set; 0 for all.")
    int maxEvalPrompts;

    @Mixin
    AsrJudgeOptions judgeOptions = new AsrJudgeOptions();

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or gpu (default: ${DEFAULT-VALUE}).")
    String device;

    @Override
    public Integer call() throws Exception {
        if (!EditRequest.METHODS.contains(method)) {
            throw new ParameterException(spec.commandLine(), "Unknown --method '" + method + "'; use one of "
                    + EditRequest.METHODS);
        }
        EditMode mode = editMode();
        boolean edits = !method.equals("vanilla");
        if (edits && out == null) {
            throw new ParameterException(spec.commandLine(), "--out is required for --method " + method
                    + " (only vanilla runs without it)");
        }
        if (out != null) {
            checkOut();
        }
        JsonOutput.checkOutputFile(report, model, overwrite);
        if (delta != null) {
            if (!edits) {
                throw new ParameterException(spec.commandLine(), "--delta needs an edit; vanilla changes no weights");
            }
        }
        JsonOutput.checkOutputFiles(model, overwrite, delta, html);
        for (Path input : new Path[] {editSet, evalSet, benignSet, capabilitySet}) {
            if (input != null && !Files.isRegularFile(input)) {
                throw new ParameterException(spec.commandLine(), "Dataset file " + input + " does not exist");
            }
        }
        if (probeSteps < 0 || (probeSteps > 0 && !method.equals("pke"))) {
            throw new ParameterException(spec.commandLine(), "--probe-steps must be 0 or more and applies to --method "
                    + "pke only; got " + probeSteps + " with --method " + method);
        }
        EditSettings settings = settings(ModelConfig.load(model).modelType());
        LocateSettings locate = locateSettings().withProbeSteps(probeSteps);

        judgeOptions.check();
        try (LanguageModel lm = LanguageModel.load(model, DeviceChoice.resolve(device));
                AsrJudgeOptions.OpenJudge asrJudge = judgeOptions.open(device)) {
            boolean useChat = chat != null ? chat : lm.hasChatTemplate();
            EditRequest request = new EditRequest(editSet, evalSet, benignSet, method, settings, locate, null, useChat,
                    maxNewTokens, localityCount, maxEditRecords, maxEvalPrompts, mode, batchSize,
                    capabilitySet);
            EditPipeline.Result result = new EditPipeline(lm, asrJudge.judge).run(request,
                    (fraction, message) -> LOG.info("[{}%] {}", Math.round(fraction * 100), message));
            try {
                if (out != null) {
                    EditedModelWriter.write(lm.decoder(), out);
                }
                writeReport(result.report());
                if (html != null) {
                    String page = HtmlReport.render(ReportReader.toTree(result.report()));
                    JsonOutput.writeAtomically(html, stream -> stream.write(page.getBytes(StandardCharsets.UTF_8)));
                }
                if (delta != null) {
                    DeltaFile.save(result.delta(), lm.decoder(), delta);
                }
            } finally {
                if (result.delta() != null) {
                    result.delta().close();
                }
            }
            EditReport r = result.report();
            spec.commandLine().getOut().printf(Locale.ROOT, "%s: ASR %.3f -> %.3f, DS %.1f -> %.1f, benign ROUGE-L "
                    + "%.3f, over-refusal %.3f -> %.3f%n", method, r.asrBefore().rate(), r.asrAfter().rate(),
                    r.safeeditBefore().get("ds"), r.safeeditAfter().get("ds"), r.rougeLBenign(),
                    r.overRefusalBefore().rate(), r.overRefusal().rate());
        }
        return 0;
    }

    private void checkOut() throws java.io.IOException {
        if (Files.exists(out) && (!Files.isDirectory(out) || !isEmptyDirectory(out))) {
            throw new ParameterException(spec.commandLine(), "--out " + out + " already exists; choose a new directory");
        }
        // Refuse an --out inside the model directory now, not after the whole edit has run.
        ModelDirectoryWriter.checkOutputDirectory(model, out);
    }

    private EditMode editMode() {
        return switch (editMode) {
            case "batch" -> EditMode.BATCH;
            case "per-record" -> EditMode.PER_RECORD;
            default -> throw new ParameterException(spec.commandLine(), "Unknown --edit-mode '" + editMode
                    + "'; use batch or per-record");
        };
    }

    private LocateSettings locateSettings() {
        if (neuronCount != null && scoreShare != null) {
            throw new ParameterException(spec.commandLine(), "Give at most one of --neuron-count and --score-share");
        }
        List<Double> weights = layerScoreWeights == null ? List.of(1.0, 1.0, 1.0) : layerScoreWeights;
        if (weights.size() != 3 || weights.stream().anyMatch(w -> w < 0) || weights.stream().allMatch(w -> w == 0)) {
            throw new ParameterException(spec.commandLine(), "--layer-score-weights needs three non-negative numbers, "
                    + "not all zero (hidden difference, gradient, logit lens), got " + weights);
        }
        LocateSettings.NeuronSelection selection = neuronCount != null ? LocateSettings.NeuronSelection.COUNT
                : scoreShare != null ? LocateSettings.NeuronSelection.SCORE_SHARE
                : LocateSettings.NeuronSelection.FRACTION;
        double value = neuronCount != null ? neuronCount : scoreShare != null ? scoreShare : neuronFraction;
        try {
            return new LocateSettings(layers, selection, value, weights.get(0), weights.get(1), weights.get(2));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private static boolean isEmptyDirectory(Path dir) throws java.io.IOException {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private EditSettings settings(String modelType) {
        EditSettings base = EditSettings.defaultsFor(method.equals("vanilla") ? "pke" : method, modelType);
        Set<EditSettings.TrainedMatrix> matrices = base.matrices();
        if (train != null) {
            matrices = EnumSet.noneOf(EditSettings.TrainedMatrix.class);
            for (String name : train) {
                try {
                    matrices.add(EditSettings.TrainedMatrix.valueOf(name.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), "Unknown matrix '" + name + "' in --train; use down, gate or up");
                }
            }
        }
        return new EditSettings(method,
                learningRate != null ? learningRate : base.learningRate(),
                steps != null ? steps : base.steps(),
                safeWeight != null ? safeWeight : base.safeWeight(),
                unlikelihoodWeight != null ? unlikelihoodWeight : base.unlikelihoodWeight(),
                klWeight != null ? klWeight : base.klWeight(),
                firstPositionKlWeight != null ? firstPositionKlWeight : base.firstPositionKlWeight(),
                !klWithoutGradient,
                normWeight != null ? normWeight : base.normWeight(),
                matrices, stopSafeNll, stopUnsafeProbability, maxChange, seed);
    }

    private void writeReport(EditReport value) throws java.io.IOException {
        JsonOutput.writeAtomically(report, value::writeJson);
    }
}
