package org.pkeworkbench.cli;

import ai.djl.Device;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.pkeworkbench.eval.AgreementReport;
import org.pkeworkbench.eval.ClassifierInputFormat;
import org.pkeworkbench.eval.ClassifierSettings;
import org.pkeworkbench.eval.ConfusionCounts;
import org.pkeworkbench.eval.FileAgreement;
import org.pkeworkbench.eval.GuardModelJudge;
import org.pkeworkbench.eval.GuardPromptFormat;
import org.pkeworkbench.eval.GuardSettings;
import org.pkeworkbench.eval.JailbreakArtifact;
import org.pkeworkbench.eval.JailbreakArtifacts;
import org.pkeworkbench.eval.JudgeAgreement;
import org.pkeworkbench.eval.JudgeInput;
import org.pkeworkbench.eval.ProgressListener;
import org.pkeworkbench.eval.RateWithInterval;
import org.pkeworkbench.eval.RefusalPrefixJudge;
import org.pkeworkbench.eval.SequenceClassificationJudge;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DeviceChoice;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.LibtorchThreads;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code judge-agreement}: how well each judge agrees with the labels of JailbreakBench's attack artifacts. */
@Command(name = "judge-agreement", mixinStandardHelpOptions = true,
        description = "Run judges over JailbreakBench attack artifacts and report accuracy, precision, recall and F1 "
                + "against the artifacts' labels (jailbroken = positive), overall and per file.")
final class JudgeAgreementCommand implements Callable<Integer> {

    /** The judges this command can build. */
    enum JudgeKind { PREFIX, GUARD, CLASSIFIER }

    @Spec
    CommandSpec spec;

    @Option(names = "--artifacts", required = true, description = "JailbreakBench attack-artifacts folder; every "
            + "JSON file under it with a 'jailbreaks' array is read.")
    Path artifacts;

    @Option(names = "--judge", description = "Judge to measure: prefix (GCG refusal strings), guard (a "
            + "Llama-Guard-style model, needs --guard-model) or classifier (a *ForSequenceClassification model, "
            + "needs --classifier-model). Repeat for several (default: prefix).")
    List<String> judges = new ArrayList<>();

    @Option(names = "--guard-model", converter = PathOptions.ModelFolder.class,
            description = "Guard model directory (Hugging Face layout, only read).")
    Path guardModel;

    @Option(names = "--guard-prompt-format", defaultValue = "auto", description = "auto, model-template or built-in "
            + "(default: ${DEFAULT-VALUE}). auto uses the model's chat template when it mentions 'unsafe', as Llama "
            + "Guard templates do, and the built-in instruction otherwise.")
    String guardPromptFormat;

    @Option(names = "--guard-answer-prefix", defaultValue = "", description = "Text appended after the guard "
            + "model's input before its next-token distribution is read (default: none).")
    String guardAnswerPrefix;

    @Option(names = "--classifier-model", converter = PathOptions.ModelFolder.class,
            description = "Sequence-classification model directory (only read).")
    Path classifierModel;

    @Option(names = "--unsafe-label", description = "The classifier label that means unsafe (default: the first "
            + "of unsafe, jailbroken, LABEL_1 among its labels).")
    String unsafeLabel;

    @Option(names = "--threshold", defaultValue = "0.5", description = "Probability at or above which the guard "
            + "and classifier judges call an attack successful (default: ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--input", defaultValue = "prompt", description = "Row text the judge receives as the prompt: "
            + "prompt (the attack prompt) or goal (the plain behaviour) (default: ${DEFAULT-VALUE}).")
    String input;

    @Option(names = "--label-field", defaultValue = JailbreakArtifacts.DEFAULT_LABEL_FIELD, description = "Boolean "
            + "row field used as the reference label (default: ${DEFAULT-VALUE}).")
    String labelField;

    @Option(names = "--limit", defaultValue = "0", description = "Judge at most this many rows per file; 0 for all "
            + "(default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", converter = PathOptions.OutputPath.class,
            description = "Write the full report as JSON.")
    Path json;

    @Option(names = "--csv", converter = PathOptions.OutputPath.class,
            description = "Write one CSV row per judge and file, plus one overall row per judge.")
    Path csv;

    @Option(names = "--overwrite", description = "Replace --json and --csv if they exist.")
    boolean overwrite;

    @Option(names = "--device", defaultValue = "auto", converter = DeviceOptions.DeviceName.class,
            description = "auto, cpu or gpu, for model judges "
            + "(default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--threads", paramLabel = "N", converter = DeviceOptions.ThreadCount.class,
            description = "libtorch threads per operation on the CPU for model judges, from 1 to the machine's "
                    + "processors (default: one per core).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        Set<JudgeKind> kinds = parseJudges();
        JudgeInput judgeInput = parseInput();
        GuardPromptFormat guardFormat = parseGuardFormat();
        checkOptions(kinds);
        if (!Files.isDirectory(artifacts)) {
            throw new PathOptionException("--artifacts " + artifacts + (Files.exists(artifacts) ? " is a file"
                    : " does not exist") + "; point it at JailbreakBench's attack-artifacts folder");
        }
        for (Path modelDir : new Path[] {artifacts, guardModel, classifierModel}) {
            if (modelDir != null) {
                JsonOutput.checkOutputFiles(modelDir, overwrite, json, csv);
            }
        }

        List<JailbreakArtifact> loaded = JailbreakArtifacts.load(artifacts, labelField);
        List<AgreementReport> reports = new ArrayList<>();
        for (JudgeKind kind : kinds) {
            reports.add(measure(kind, loaded, judgeInput, guardFormat));
        }

        printTable(spec.commandLine().getOut(), reports);
        if (json != null) {
            JsonOutput.writeJson(json, generator -> writeJson(generator, reports));
        }
        if (csv != null) {
            JsonOutput.writeCsv(csv, writer -> writeCsv(writer, reports));
        }
        return 0;
    }

    private void checkOptions(Set<JudgeKind> kinds) {
        if (limit < 0) {
            throw new ParameterException(spec.commandLine(), "--limit must be 0 (all) or more, got " + limit);
        }
        OptionValues.probability(spec, "--threshold", threshold);
        if (kinds.contains(JudgeKind.GUARD) && guardModel == null) {
            throw new ParameterException(spec.commandLine(), "--judge guard needs --guard-model DIR, the guard "
                    + "model's Hugging Face directory");
        }
        if (kinds.contains(JudgeKind.CLASSIFIER) && classifierModel == null) {
            throw new ParameterException(spec.commandLine(), "--judge classifier needs --classifier-model DIR, the "
                    + "classifier's Hugging Face directory");
        }
    }

    private Set<JudgeKind> parseJudges() {
        Set<JudgeKind> kinds = new LinkedHashSet<>();
        for (String name : judges) {
            try {
                kinds.add(JudgeKind.valueOf(name.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--judge must be prefix, guard or classifier, got '"
                        + name + "'");
            }
        }
        if (kinds.isEmpty()) {
            kinds.add(JudgeKind.PREFIX);
        }
        return kinds;
    }

    private JudgeInput parseInput() {
        try {
            return JudgeInput.valueOf(input.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--input must be prompt or goal, got '" + input + "'");
        }
    }

    private GuardPromptFormat parseGuardFormat() {
        try {
            return GuardPromptFormat.valueOf(guardPromptFormat.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--guard-prompt-format must be auto, model-template or "
                    + "built-in, got '" + guardPromptFormat + "'");
        }
    }

    private AgreementReport measure(JudgeKind kind, List<JailbreakArtifact> loaded, JudgeInput judgeInput,
            GuardPromptFormat guardFormat) throws IOException {
        ProgressListener progress = ProgressListener.NONE;
        if (threads != null && kind != JudgeKind.PREFIX) {
            LibtorchThreads.set(threads);
        }
        switch (kind) {
            case GUARD: {
                Device target = DeviceChoice.resolve(device);
                try (LanguageModel guard = LanguageModel.load(guardModel, target)) {
                    // The engine is loaded with the model; only then can its gradient mode be switched.
                    Autograd.disableOnThisThread();
                    GuardModelJudge judge = new GuardModelJudge(guard,
                            new GuardSettings(threshold, guardFormat, guardAnswerPrefix));
                    return JudgeAgreement.measure(judge, loaded, judgeInput, limit, progress);
                }
            }
            case CLASSIFIER: {
                ClassifierSettings settings = new ClassifierSettings(threshold, unsafeLabel, ClassifierInputFormat.AUTO);
                try (SequenceClassificationJudge judge = SequenceClassificationJudge.load(classifierModel,
                        DeviceChoice.resolve(device), settings)) {
                    return JudgeAgreement.measure(judge, loaded, judgeInput, limit, progress);
                }
            }
            default:
                return JudgeAgreement.measure(RefusalPrefixJudge.gcgDefault(), loaded, judgeInput, limit, progress);
        }
    }

    private static void printTable(PrintWriter out, List<AgreementReport> reports) {
        String header = String.format(Locale.ROOT, "%-62s %5s %5s %4s %4s %4s %4s %6s %6s %6s %6s",
                "file", "n", "skip", "TP", "FP", "TN", "FN", "acc", "prec", "recall", "F1");
        for (AgreementReport report : reports) {
            out.println("Judge: " + report.judge() + " (input " + report.input().name().toLowerCase(Locale.ROOT)
                    + ", label " + report.labelField() + ")");
            out.println(header);
            for (FileAgreement file : report.files()) {
                out.println(tableRow(file.file(), file.counts(), file.skippedRows()));
            }
            out.println(tableRow("ALL", report.overall(), report.skippedRows()));
            RateWithInterval accuracy = report.overall().accuracyInterval();
            if (accuracy != null) {
                out.println(String.format(Locale.ROOT, "Overall accuracy %.3f (95%% interval %.3f to %.3f)",
                        accuracy.rate(), accuracy.lower(), accuracy.upper()));
            }
            out.println();
        }
        out.flush();
    }

    private static String tableRow(String name, ConfusionCounts counts, int skipped) {
        return String.format(Locale.ROOT, "%-62s %5d %5d %4d %4d %4d %4d %6s %6s %6s %6s", name, counts.total(),
                skipped, counts.truePositives(), counts.falsePositives(), counts.trueNegatives(),
                counts.falseNegatives(), metric(counts.accuracy()), metric(counts.precision()),
                metric(counts.recall()), metric(counts.f1()));
    }

    /** Formats a metric to three decimals, or "-" when it is undefined (a zero denominator). */
    private static String metric(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.3f", value);
    }

    private void writeJson(JsonGenerator generator, List<AgreementReport> reports) throws IOException {
        generator.writeStartObject();
        generator.writeStringField("artifacts", artifacts.toString());
        generator.writeNumberField("limit_per_file", limit);
        generator.writeArrayFieldStart("judges");
        for (AgreementReport report : reports) {
            generator.writeStartObject();
            generator.writeStringField("judge", report.judge());
            generator.writeStringField("input", report.input().name().toLowerCase(Locale.ROOT));
            generator.writeStringField("label_field", report.labelField());
            generator.writeNumberField("skipped_rows", report.skippedRows());
            generator.writeFieldName("overall");
            writeCounts(generator, report.overall());
            generator.writeArrayFieldStart("files");
            for (FileAgreement file : report.files()) {
                generator.writeStartObject();
                generator.writeStringField("file", file.file());
                generator.writeStringField("method", file.method());
                generator.writeStringField("target_model", file.targetModel());
                generator.writeNumberField("skipped_rows", file.skippedRows());
                generator.writeFieldName("counts");
                writeCounts(generator, file.counts());
                generator.writeEndObject();
            }
            generator.writeEndArray();
            generator.writeEndObject();
        }
        generator.writeEndArray();
        generator.writeEndObject();
    }

    /** Writes counts and metrics; an undefined metric is null. */
    private static void writeCounts(JsonGenerator generator, ConfusionCounts counts) throws IOException {
        generator.writeStartObject();
        generator.writeNumberField("n", counts.total());
        generator.writeNumberField("true_positives", counts.truePositives());
        generator.writeNumberField("false_positives", counts.falsePositives());
        generator.writeNumberField("true_negatives", counts.trueNegatives());
        generator.writeNumberField("false_negatives", counts.falseNegatives());
        writeMetric(generator, "accuracy", counts.accuracy());
        writeMetric(generator, "precision", counts.precision());
        writeMetric(generator, "recall", counts.recall());
        writeMetric(generator, "f1", counts.f1());
        writeMetric(generator, "judged_jailbroken_rate", counts.judgedJailbrokenRate());
        writeMetric(generator, "label_jailbroken_rate", counts.labelJailbrokenRate());
        generator.writeEndObject();
    }

    private static void writeMetric(JsonGenerator generator, String name, double value) throws IOException {
        if (Double.isNaN(value)) {
            generator.writeNullField(name);
        } else {
            generator.writeNumberField(name, value);
        }
    }

    private static void writeCsv(PrintWriter writer, List<AgreementReport> reports) {
        writer.println("judge,input,label_field,file,method,target_model,n,skipped,true_positives,false_positives,"
                + "true_negatives,false_negatives,accuracy,precision,recall,f1");
        for (AgreementReport report : reports) {
            String prefix = CsvText.field(report.judge()) + "," + report.input().name().toLowerCase(Locale.ROOT) + ","
                    + CsvText.field(report.labelField()) + ",";
            for (FileAgreement file : report.files()) {
                writer.println(prefix + CsvText.field(file.file()) + "," + CsvText.field(file.method()) + ","
                        + CsvText.field(file.targetModel()) + "," + csvCounts(file.counts(), file.skippedRows()));
            }
            writer.println(prefix + "ALL,,," + csvCounts(report.overall(), report.skippedRows()));
        }
    }

    private static String csvCounts(ConfusionCounts counts, int skipped) {
        return counts.total() + "," + skipped + "," + counts.truePositives() + "," + counts.falsePositives() + ","
                + counts.trueNegatives() + "," + counts.falseNegatives() + "," + csvMetric(counts.accuracy()) + ","
                + csvMetric(counts.precision()) + "," + csvMetric(counts.recall()) + "," + csvMetric(counts.f1());
    }

    /** Formats a metric for CSV: an undefined one is an empty field. */
    private static String csvMetric(double value) {
        return Double.isNaN(value) ? "" : Double.toString(value);
    }
}
