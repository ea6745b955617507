package org.pkeworkbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
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
import org.pkeworkbench.edit.EditReport;
import org.pkeworkbench.edit.EditRequest;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.edit.EditedModelWriter;
import org.pkeworkbench.eval.report.HtmlReport;
import org.pkeworkbench.eval.report.ReportReader;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.model.DeviceChoice;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.io.ModelDirectoryWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
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

    @Option(names = "--benign-set", description = "Benign prompts for ROUGE-L and over-refusal (default: the built-in set).")
    Path benignSet;

    @Option(names = "--out", required = true, description = "New directory for the edited model; must not exist.")
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

    @Option(names = "--method", defaultValue = "pke", description = "pke or dinm (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--chat", negatable = true, description = "Use the model's chat template for prompts (default: "
            + "when the model has one).")
    Boolean chat;

    @Option(names = "--max-new-tokens", defaultValue = "48", description = "Tokens per generated response "
            + "(default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--steps", description = "Adam steps (default: 40 for pke, 10 for dinm).")
    Integer steps;

    @Option(names = "--lr", description = "Learning rate (default: 5e-3 for pke, 5e-4 for dinm).")
    Double learningRate;

    @Option(names = "--layers", defaultValue = "2", description = "PKE: number of hot-spot layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--neuron-fraction", defaultValue = "0.2", description = "PKE: fraction of each hot-spot layer's "
            + "neurons to edit (default: ${DEFAULT-VALUE}).")
    double neuronFraction;

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

    @Option(names = "--locality-count", defaultValue = "16", description = "Built-in benign prompts in the KL term "
            + "(default: ${DEFAULT-VALUE}).")
    int localityCount;

    @Option(names = "--max-edit-records", defaultValue = "0", description = "Use at most this many edit records; 0 for all.")
    int maxEditRecords;

    @Option(names = "--max-eval-prompts", defaultValue = "0", description = "Use at most this many prompts of each "
            + "evaluation set; 0 for all.")
    int maxEvalPrompts;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or gpu (default: ${DEFAULT-VALUE}).")
    String device;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(out) && (!Files.isDirectory(out) || !isEmptyDirectory(out))) {
            throw new ParameterException(spec.commandLine(), "--out " + out + " already exists; choose a new directory");
        }
        // Refuse an --out inside the model directory now, not after the whole edit has run.
        ModelDirectoryWriter.checkOutputDirectory(model, out);
        JsonOutput.checkOutputFile(report, model, overwrite);
        JsonOutput.checkOutputFiles(model, overwrite, delta, html);
        for (Path input : new Path[] {editSet, evalSet, benignSet}) {
            if (input != null && !Files.isRegularFile(input)) {
                throw new ParameterException(spec.commandLine(), "Dataset file " + input + " does not exist");
            }
        }
        EditSettings settings = settings();
        LocateSettings locate = new LocateSettings(layers, LocateSettings.NeuronSelection.FRACTION, neuronFraction, 1, 1, 1);

        try (LanguageModel lm = LanguageModel.load(model, DeviceChoice.resolve(device))) {
            boolean useChat = chat != null ? chat : lm.hasChatTemplate();
            EditRequest request = new EditRequest(editSet, evalSet, benignSet, method, settings, locate, null, useChat,
                    maxNewTokens, localityCount, maxEditRecords, maxEvalPrompts);
            EditPipeline.Result result = new EditPipeline(lm).run(request,
                    (fraction, message) -> LOG.info("[{}%] {}", Math.round(fraction * 100), message));
            try {
                EditedModelWriter.write(lm.decoder(), out);
                writeReport(result.report());
                if (html != null) {
                    String page = HtmlReport.render(ReportReader.toTree(result.report()));
                    JsonOutput.writeAtomically(html, stream -> stream.write(page.getBytes(StandardCharsets.UTF_8)));
                }
                if (delta != null) {
                    DeltaFile.save(result.delta(), lm.decoder(), delta);
                }
            } finally {
                result.delta().close();
            }
            EditReport r = result.report();
            spec.commandLine().getOut().printf(Locale.ROOT, "ASR %.3f -> %.3f, benign ROUGE-L %.3f, over-refusal %.3f -> %.3f%n",
                    r.asrBefore().rate(), r.asrAfter().rate(), r.rougeLBenign(), r.overRefusalBefore().rate(),
                    r.overRefusal().rate());
        }
        return 0;
    }

    private static boolean isEmptyDirectory(Path dir) throws java.io.IOException {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private EditSettings settings() {
        EditSettings base = method.equals("dinm") ? EditSettings.dinmDefaults() : EditSettings.pkeDefaults();
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
                matrices, base.safeNllTarget(), base.unsafeProbabilityTarget(), maxChange, base.seed());
    }

    private void writeReport(EditReport value) throws java.io.IOException {
        ObjectMapper mapper = new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT);
        JsonOutput.writeAtomically(report, stream -> mapper.writeValue(stream, value));
    }
}
