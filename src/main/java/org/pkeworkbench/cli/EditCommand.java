package org.pkeworkbench.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.pkeworkbench.edit.DeltaFile;
import org.pkeworkbench.edit.EditPipeline;
import org.pkeworkbench.edit.EditReport;
import org.pkeworkbench.edit.EditRequest;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.edit.EditedModelWriter;
import org.pkeworkbench.eval.report.HtmlReport;
import org.pkeworkbench.eval.report.ReportReader;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.ModelConfig;
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
        description = "Locate hot spots, edit them (PKE, DINM or FT-L; vanilla only evaluates), evaluate attack "
                + "success and benign answers before and after, and write the edited model and a JSON report.")
final class EditCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(EditCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--out", converter = PathOptions.OutputPath.class,
            description = "New or empty directory for the edited model. Required for every "
            + "method but vanilla.")
    Path out;

    @Option(names = "--report", converter = PathOptions.OutputPath.class,
            required = true, description = "JSON report file.")
    Path report;

    @Option(names = "--html", converter = PathOptions.OutputPath.class,
            description = "Also write the report as a self-contained HTML page with charts "
            + "(the same page as 'report --html').")
    Path html;

    @Option(names = "--delta", converter = PathOptions.OutputPath.class,
            description = "Also write the weight change as a small delta file (safetensors "
            + "holding only the changed neuron slices) for 'apply-delta'.")
    Path delta;

    @Option(names = "--overwrite", description = "Replace --report, --html and --delta if they exist (--out must "
            + "always be a new or empty folder).")
    boolean overwrite;

    @Option(names = "--method", defaultValue = "pke", description = "pke, dinm, ftl (fine-tuning of the located "
            + "layer's whole MLP) or vanilla (no edit, evaluation only) (default: ${DEFAULT-VALUE}).")
    String method;

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

    @Option(names = "--full-recomputation", description = "Run the whole model in every edit step instead of "
            + "computing the hidden states entering the first edited layer once; the result is the same, only "
            + "slower. For timing comparisons.")
    boolean fullRecomputation;

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

    @Mixin
    EditRunOptions run = new EditRunOptions();

    @Mixin
    AsrJudgeOptions judgeOptions = new AsrJudgeOptions();

    @Override
    public Integer call() throws Exception {
        if (!EditRequest.METHODS.contains(method)) {
            throw new ParameterException(spec.commandLine(), "Unknown --method '" + method + "'; use one of "
                    + EditRequest.METHODS);
        }
        boolean edits = !method.equals("vanilla");
        if (edits && out == null) {
            throw new ParameterException(spec.commandLine(), "--out is required for --method " + method
                    + " (only vanilla runs without it)");
        }
        if (!edits && out != null) {
            throw new ParameterException(spec.commandLine(), "--out is not used with --method vanilla, which changes "
                    + "no weights; leave it out");
        }
        if (out != null) {
            JsonOutput.checkNewModelDirectory("--out", out, run.model);
        }
        JsonOutput.checkOutputFile(report, run.model, overwrite);
        if (delta != null && !edits) {
            throw new ParameterException(spec.commandLine(), "--delta needs an edit; vanilla changes no weights");
        }
        JsonOutput.checkOutputFiles(run.model, overwrite, delta, html);
        JsonOutput.checkDistinct(Arrays.asList(run.editSet, run.evalSet, run.benignSet, run.capabilitySet),
                Arrays.asList(out, report, html, delta));
        if (out != null) {
            JsonOutput.checkOutsideFolder("--out", out, report, html, delta);
        }
        run.check(spec);
        judgeOptions.check(spec);
        checkValues();
        checkCombinations();
        if (probeSteps > 0 && !method.equals("pke")) {
            throw new ParameterException(spec.commandLine(), "--probe-steps applies to --method pke only; got "
                    + probeSteps + " with --method " + method);
        }
        ModelConfig config = ModelConfig.load(run.model);
        if (layers > config.numLayers()) {
            throw new ParameterException(spec.commandLine(), "--layers " + layers + " is more than the model's "
                    + config.numLayers() + " layers");
        }
        if (neuronCount != null && neuronCount > config.intermediateSize()) {
            throw new ParameterException(spec.commandLine(), "--neuron-count " + neuronCount + " is more than the "
                    + "model's " + config.intermediateSize() + " MLP neurons per layer");
        }
        EditSettings settings = settings(config.modelType());
        LocateSettings locate = locateSettings().withProbeSteps(probeSteps);

        try (LanguageModel lm = LanguageModel.load(run.model, run.devices.resolve(), run.devices.dtype());
                AsrJudgeOptions.OpenJudge asrJudge = judgeOptions.open(run.devices.request())) {
            boolean useChat = run.chat != null ? run.chat : lm.hasChatTemplate();
            EditRequest request = run.request(spec, method, settings, locate, useChat);
            EditPipeline.Result result = new EditPipeline(lm, asrJudge.judge).run(request,
                    new ProgressLog());
            // Each output is written even when an earlier one failed, the small ones first, so that a
            // full disk under the model directory loses neither the report nor the delta.
            OutputWrites writes = new OutputWrites();
            try {
                writes.attempt("--report", report, () -> writeReport(result.report()));
                if (html != null) {
                    writes.attempt("--html", html, () -> {
                        String page = HtmlReport.render(ReportReader.toTree(result.report()));
                        JsonOutput.writeAtomically(html, stream -> stream.write(page.getBytes(StandardCharsets.UTF_8)));
                    });
                }
                if (delta != null) {
                    writes.attempt("--delta", delta, () -> DeltaFile.save(result.delta(), lm.decoder(), delta));
                }
                if (out != null) {
                    writes.attempt("--out", out, () -> EditedModelWriter.write(lm.decoder(), out));
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
            writes.throwIfAnyFailed();
        }
        return 0;
    }

    /** Rejects out-of-range edit and locate values with the option's name, before the model loads. */
    private void checkValues() {
        if (steps != null) {
            OptionValues.atLeast(spec, "--steps", steps, 1);
        }
        if (learningRate != null) {
            OptionValues.positive(spec, "--lr", learningRate);
        }

        OptionValues.atLeast(spec, "--layers", layers, 1);
        OptionValues.fraction(spec, "--neuron-fraction", neuronFraction);
        if (neuronCount != null) {
            OptionValues.atLeast(spec, "--neuron-count", neuronCount, 1);
        }
        if (scoreShare != null) {
            OptionValues.fraction(spec, "--score-share", scoreShare);
        }
        OptionValues.atLeast(spec, "--probe-steps", probeSteps, 0);

        String[] weightNames = {"--w-safe", "--w-unlikely", "--w-kl", "--w-kl-first", "--w-norm"};
        Double[] weightValues = {safeWeight, unlikelihoodWeight, klWeight, firstPositionKlWeight, normWeight};
        for (int i = 0; i < weightNames.length; i++) {
            if (weightValues[i] != null) {
                OptionValues.atLeast(spec, weightNames[i], weightValues[i], 0);
            }
        }
        OptionValues.atLeast(spec, "--max-change", maxChange, 0);
        OptionValues.atLeast(spec, "--stop-safe-nll", stopSafeNll, 0);
        OptionValues.probability(spec, "--stop-unsafe-probability", stopUnsafeProbability);
    }

    /** Rejects options that the given others would make meaningless, instead of ignoring them. */
    private void checkCombinations() {
        if (stopUnsafeProbability > 0 && stopSafeNll == 0) {
            throw new ParameterException(spec.commandLine(), "--stop-unsafe-probability applies only with "
                    + "--stop-safe-nll, which turns early stopping on; give both or neither");
        }
        boolean fractionGiven = spec.commandLine().getParseResult().hasMatchedOption("--neuron-fraction");
        int selections = (fractionGiven ? 1 : 0) + (neuronCount != null ? 1 : 0) + (scoreShare != null ? 1 : 0);
        if (selections > 1) {
            throw new ParameterException(spec.commandLine(), "Give at most one of --neuron-fraction, --neuron-count "
                    + "and --score-share");
        }
    }

    private LocateSettings locateSettings() {
        List<Double> weights = layerScoreWeights == null ? List.of(1.0, 1.0, 1.0) : layerScoreWeights;
        if (weights.size() != 3 || weights.stream().anyMatch(w -> w < 0) || weights.stream().allMatch(w -> w == 0)) {
            throw new ParameterException(spec.commandLine(), "--layer-score-weights needs three non-negative numbers, "
                    + "not all zero (hidden difference, gradient, logit lens), got " + weights);
        }
        LocateSettings.NeuronSelection selection = LocateSettings.NeuronSelection.FRACTION;
        double value = neuronFraction;
        if (neuronCount != null) {
            selection = LocateSettings.NeuronSelection.COUNT;
            value = neuronCount;
        } else if (scoreShare != null) {
            selection = LocateSettings.NeuronSelection.SCORE_SHARE;
            value = scoreShare;
        }
        try {
            return new LocateSettings(layers, selection, value, weights.get(0), weights.get(1), weights.get(2));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
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
                matrices, stopSafeNll, stopUnsafeProbability, maxChange, seed, fullRecomputation);
    }

    private void writeReport(EditReport value) throws java.io.IOException {
        JsonOutput.writeAtomically(report, value::writeJson);
    }
}
