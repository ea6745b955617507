package org.pkeworkbench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.pkeworkbench.eval.report.ReportComparison;
import org.pkeworkbench.eval.report.ReportReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code compare-reports}: several edit reports side by side as a table, with optional output files. */
@Command(name = "compare-reports", mixinStandardHelpOptions = true,
        description = "Compare the JSON reports of several 'edit' runs (for example vanilla, DINM, FT-L and PKE): "
                + "print a Markdown table of ASR, over-refusal, ROUGE-L, fluency, SafeEdit DS/DG, win rate, changed "
                + "weights and edit time, and optionally write it as HTML with charts, JSON, CSV or Markdown. Warns "
                + "when the reports used different model weights or evaluation files.")
final class CompareReportsCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(CompareReportsCommand.class);

    @Spec
    CommandSpec spec;

    // The parser accepts one report, so that call() can reject it with a message that names what is missing.
    @Parameters(arity = "1..*", converter = PathOptions.ExistingFile.class, paramLabel = "REPORT.json", description = "Two or more reports written by "
            + "'edit --report'.")
    List<Path> inputs;

    @Option(names = "--label", description = "Row label of the report at the same position; give one per report "
            + "or none (default: the method, plus the file name where methods repeat).")
    List<String> labels = new ArrayList<>();

    @Option(names = "--html", converter = PathOptions.OutputPath.class,
            description = "Write a self-contained HTML page with the table and bar charts.")
    Path html;

    @Option(names = "--json", converter = PathOptions.OutputPath.class,
            description = "Write the rows and warnings as JSON.")
    Path json;

    @Option(names = "--csv", converter = PathOptions.OutputPath.class,
            description = "Write one CSV row per report.")
    Path csv;

    @Option(names = "--markdown", converter = PathOptions.OutputPath.class,
            description = "Write the Markdown table.")
    Path markdown;

    @Option(names = "--overwrite", description = "Replace output files that exist.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        if (inputs.size() < 2) {
            throw new ParameterException(spec.commandLine(), "Got one report (" + inputs.get(0) + "); compare-reports "
                    + "compares two or more, such as the reports of a vanilla and a pke run");
        }
        if (!labels.isEmpty() && labels.size() != inputs.size()) {
            throw new ParameterException(spec.commandLine(), "Got " + labels.size() + " --label values for "
                    + inputs.size() + " reports; give one --label per report, in the same order, or none");
        }
        JsonOutput.checkDistinct(inputs, Arrays.asList(html, json, csv, markdown));
        if (inputs.stream().map(input -> input.toAbsolutePath().normalize()).distinct().count() < inputs.size()) {
            LOG.debug("A report is given twice: {}", inputs);
            spec.commandLine().getErr().println("Warning: a report is given twice, so its row appears twice");
        }
        JsonOutput.checkOutputFiles(null, overwrite, html, json, csv, markdown);
        List<JsonNode> reports = new ArrayList<>();
        for (Path input : inputs) {
            JsonNode report = ReportReader.read(input);
            // As in 'report': nothing is written into the model folder that a report names.
            JsonOutput.checkOutputFiles(ReportCommand.modelDirectory(report), true, html, json, csv, markdown);
            reports.add(report);
        }

        ReportComparison comparison = ReportComparison.of(inputs.stream().map(Path::toString).toList(), reports,
                labels);
        if (html != null) {
            writeText(html, comparison.toHtml());
        }
        if (json != null) {
            JsonOutput.write(json, comparison.toJson());
        }
        if (csv != null) {
            writeText(csv, comparison.toCsv());
        }
        if (markdown != null) {
            writeText(markdown, comparison.toMarkdown());
        }

        spec.commandLine().getOut().print(comparison.toMarkdown());
        spec.commandLine().getOut().flush();
        LOG.info("Compared {} reports with {} warning(s)", inputs.size(), comparison.warnings().size());
        return 0;
    }

    private static void writeText(Path file, String text) throws java.io.IOException {
        JsonOutput.writeAtomically(file, stream -> stream.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
