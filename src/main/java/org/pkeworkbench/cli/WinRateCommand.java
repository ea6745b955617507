package org.pkeworkbench.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pkeworkbench.eval.AlpacaEvalLoader;
import org.pkeworkbench.eval.Evaluator;
import org.pkeworkbench.eval.ModelPairwiseJudge;
import org.pkeworkbench.eval.ModelResponder;
import org.pkeworkbench.eval.PairwiseJudge;
import org.pkeworkbench.eval.PairwiseOutcome;
import org.pkeworkbench.eval.ProgressListener;
import org.pkeworkbench.eval.RefusalDetector;
import org.pkeworkbench.eval.RefusalPrefixJudge;
import org.pkeworkbench.eval.ReferenceOverlapPairwiseJudge;
import org.pkeworkbench.eval.ReferencePrompt;
import org.pkeworkbench.eval.WinRateReport;
import org.pkeworkbench.eval.WinRateResult;
import org.pkeworkbench.model.LanguageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code win-rate}: a model's win rate against the reference outputs of an AlpacaEval file. */
@Command(name = "win-rate", mixinStandardHelpOptions = true,
        description = "Generate a response to each instruction of an AlpacaEval file and report how often a"
                + " pairwise judge prefers it to the file's reference output (ties count half).")
final class WinRateCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(WinRateCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--model", converter = PathOptions.ModelFolder.class,
            required = true, description = "Hugging Face directory of the candidate model.")
    Path model;

    @Option(names = "--prompts", converter = PathOptions.ExistingFile.class,
            required = true, description = "AlpacaEval JSON with an \"output\" per"
            + " instruction (a model_outputs file); these outputs are the baseline the candidate is compared with.")
    Path prompts;

    @Option(names = "--judge", required = true, description = "overlap (ROUGE-L against --overlap-reference; a weak"
            + " proxy) or model (a judge model, --judge-model).")
    String judge;

    @Option(names = "--judge-model", converter = PathOptions.ModelFolder.class,
            description = "Hugging Face directory of the judge model, for --judge model.")
    Path judgeModel;

    @Option(names = "--judge-chat", description = "Wrap the judge request in the judge model's chat template.")
    boolean judgeChat;

    @Option(names = "--overlap-reference", converter = PathOptions.ExistingFile.class,
            description = "AlpacaEval JSON whose outputs are the answers ROUGE-L is"
            + " measured against, matched by instruction text; required for --judge overlap.")
    Path overlapReference;

    @Option(names = "--limit", description = "Use only the first N records (default: all).")
    Integer limit;

    @Option(names = "--batch-size", defaultValue = "8", description = "Prompts generated together in one left-padded"
            + " batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--chat", description = "Wrap each instruction as a user message with the candidate's chat"
            + " template.")
    boolean chat;

    @Option(names = "--max-new-tokens", description = "Tokens to generate at most per response (default:"
            + " generation_config.json's max_new_tokens, else 256).")
    Integer maxNewTokens;

    @Option(names = "--json", converter = PathOptions.OutputPath.class,
            description = "Write settings, the win rate and every comparison to this JSON file.")
    Path json;

    @Option(names = "--overwrite", description = "Replace an existing --json file.")
    boolean overwrite;

    @Mixin
    DeviceOptions devices = new DeviceOptions();

    @Override
    public Integer call() throws Exception {
        String judgeKind = checkOptions();
        JsonOutput.checkOutputFiles(model, overwrite, json);
        if (judgeModel != null) {
            JsonOutput.checkOutputFiles(judgeModel, overwrite, json);
        }
        JsonOutput.checkDistinct(Arrays.asList(prompts, overlapReference), Arrays.asList(json));
        List<ReferencePrompt> records = loadRecords();
        Map<String, String> overlapAnswers = judgeKind.equals("overlap") ? loadOverlapAnswers(records) : null;

        try (LanguageModel candidate = LanguageModel.load(model, devices.resolve(), devices.dtype());
                LanguageModel judgeLm = judgeKind.equals("model")
                        ? LanguageModel.load(judgeModel, devices.resolve(), devices.dtype()) : null) {
            int newTokens = GenerateCommand.newTokenLimit(maxNewTokens, candidate, model);
            PairwiseJudge pairwiseJudge = judgeLm != null
                    ? new ModelPairwiseJudge(judgeLm, judgeChat)
                    : new ReferenceOverlapPairwiseJudge(overlapAnswers);

            ModelResponder responder = new ModelResponder(candidate, chat, newTokens, batchSize);
            Evaluator evaluator = responder.evaluator(RefusalPrefixJudge.gcgDefault(), RefusalDetector.gcgDefault());
            WinRateReport report = evaluator.winRate(records, pairwiseJudge, logProgress(), () -> false);

            printSummary(report, baselineName(records));
            if (pairwiseJudge instanceof ModelPairwiseJudge modelJudge && modelJudge.truncatedResponses() > 0) {
                spec.commandLine().getErr().println("Note: " + modelJudge.truncatedResponses()
                        + " responses were cut to fit the judge model's context");
            }
            if (json != null) {
                writeJson(report, newTokens, baselineName(records));
            }
        }
        return 0;
    }

    /** Validates option combinations and returns the judge kind in lower case. */
    private String checkOptions() {
        String kind = judge.toLowerCase(Locale.ROOT);
        if (!kind.equals("overlap") && !kind.equals("model")) {
            throw new ParameterException(spec.commandLine(), "--judge must be overlap or model, got " + judge);
        }
        if (kind.equals("model") && judgeModel == null) {
            throw new ParameterException(spec.commandLine(), "--judge model needs --judge-model DIR");
        }
        if (kind.equals("overlap") && overlapReference == null) {
            throw new ParameterException(spec.commandLine(), "--judge overlap needs --overlap-reference FILE, an"
                    + " AlpacaEval file whose outputs ROUGE-L is measured against; it must differ from --prompts,"
                    + " whose outputs are the baseline");
        }
        if (overlapReference != null && prompts != null && Files.exists(overlapReference) && Files.exists(prompts)
                && isSameFile(overlapReference, prompts)) {
            throw new ParameterException(spec.commandLine(), "--overlap-reference is the same file as --prompts; the "
                    + "baseline's own outputs would always win on overlap, so give another model's outputs");
        }
        if (limit != null) {
            OptionValues.atLeast(spec, "--limit", limit, 1);
        }
        OptionValues.atLeast(spec, "--batch-size", batchSize, 1);
        if (maxNewTokens != null) {
            OptionValues.atLeast(spec, "--max-new-tokens", maxNewTokens, 0);
        }
        return kind;
    }

    private List<ReferencePrompt> loadRecords() throws IOException {
        List<ReferencePrompt> all = AlpacaEvalLoader.load(prompts);
        List<ReferencePrompt> records = limit == null ? all : all.subList(0, Math.min(limit, all.size()));
        for (ReferencePrompt record : records) {
            if (!record.hasReference()) {
                throw new IllegalArgumentException(prompts + ": record " + record.id() + " has no \"output\"; --prompts"
                        + " needs a file with the baseline's output for each instruction, such as an AlpacaEval"
                        + " model_outputs file");
            }
        }
        return records;
    }

    /** Loads the overlap reference answers and checks that each used instruction has one. */
    private Map<String, String> loadOverlapAnswers(List<ReferencePrompt> records) throws IOException {
        Map<String, String> answers = new LinkedHashMap<>();
        for (ReferencePrompt reference : AlpacaEvalLoader.load(overlapReference)) {
            if (reference.hasReference()) {
                answers.putIfAbsent(reference.prompt(), reference.reference());
            }
        }
        for (ReferencePrompt record : records) {
            if (!answers.containsKey(record.prompt())) {
                throw new IllegalArgumentException(overlapReference + " has no output for the instruction of record "
                        + record.id() + " in " + prompts + "; use a reference file with the same instructions");
            }
        }
        return answers;
    }

    private static String baselineName(List<ReferencePrompt> records) {
        String generator = records.get(0).generator();
        return generator != null ? generator : "the reference outputs";
    }

    private ProgressListener logProgress() {
        return (done, total) -> LOG.info("Generated {} of {} answers", done, total);
    }

    private void printSummary(WinRateReport report, String baseline) {
        WinRateResult result = report.winRate();
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "Win rate of %s against %s: %.4f (95%% CI %.4f to %.4f)%n",
                model.getFileName(), baseline, result.rate(), result.lower(), result.upper());
        out.printf(Locale.ROOT, "%d comparisons: %d wins, %d ties, %d losses; judge %s; mean P(candidate better) %.4f%n",
                result.total(), result.wins(), result.ties(), result.losses(), report.judgeName(),
                result.meanProbabilityA());
        out.flush();
    }

    private void writeJson(WinRateReport report, int newTokens, String baseline) throws IOException {
        WinRateResult result = report.winRate();
        JsonOutput.writeJson(json, out -> {
            out.writeStartObject();
            writeSettings(out, report, newTokens, baseline);

            out.writeObjectFieldStart("winRate");
            out.writeNumberField("rate", result.rate());
            out.writeNumberField("lower95", result.lower());
            out.writeNumberField("upper95", result.upper());
            out.writeStringField("interval", "Wilson score on (wins + ties/2) / total");
            out.writeNumberField("wins", result.wins());
            out.writeNumberField("ties", result.ties());
            out.writeNumberField("losses", result.losses());
            out.writeNumberField("total", result.total());
            out.writeNumberField("meanProbabilityCandidateBetter", result.meanProbabilityA());
            out.writeEndObject();

            out.writeArrayFieldStart("comparisons");
            for (PairwiseOutcome outcome : report.outcomes()) {
                out.writeStartObject();
                out.writeStringField("id", outcome.id());
                out.writeStringField("instruction", outcome.instruction());
                out.writeStringField("candidate", outcome.candidate());
                out.writeStringField("baseline", outcome.baseline());
                out.writeNumberField("probabilityCandidateBetter", outcome.preference().probabilityA());
                out.writeStringField("verdict", verdict(outcome));
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeEndObject();
        });
        LOG.info("Wrote win-rate report {}", json);
    }

    private void writeSettings(JsonGenerator out, WinRateReport report, int newTokens, String baseline)
            throws IOException {
        out.writeObjectFieldStart("settings");
        out.writeStringField("model", model.toAbsolutePath().toString());
        out.writeStringField("prompts", prompts.toAbsolutePath().toString());
        out.writeStringField("baseline", baseline);
        out.writeStringField("judge", report.judgeName());
        if (judgeModel != null) {
            out.writeStringField("judgeModel", judgeModel.toAbsolutePath().toString());
            out.writeBooleanField("judgeChat", judgeChat);
        }
        if (overlapReference != null) {
            out.writeStringField("overlapReference", overlapReference.toAbsolutePath().toString());
        }
        out.writeBooleanField("chat", chat);
        out.writeNumberField("maxNewTokens", newTokens);
        out.writeStringField("decoding", "greedy");
        out.writeNumberField("batchSize", batchSize);
        if (limit != null) {
            out.writeNumberField("limit", limit);
        }
        out.writeEndObject();
    }

    private static String verdict(PairwiseOutcome outcome) {
        return switch (outcome.preference().label()) {
            case A -> "candidate";
            case B -> "baseline";
            case TIE -> "tie";
        };
    }

    private static boolean isSameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
