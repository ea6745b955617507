package org.pkeworkbench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.pkeworkbench.eval.report.HtmlReport;
import org.pkeworkbench.eval.report.ReportReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code report}: renders an edit report's JSON as a self-contained HTML page. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Render the JSON report of an 'edit' run as one self-contained HTML page with charts "
                + "(inline CSS and SVG, no scripts, no external resources).")
final class ReportCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ReportCommand.class);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", converter = PathOptions.ExistingFile.class, paramLabel = "REPORT.json", description = "Report written by 'edit --report'.")
    Path input;

    @Option(names = "--html", converter = PathOptions.OutputPath.class,
            required = true, description = "Output HTML file.")
    Path html;

    @Option(names = "--overwrite", description = "Replace --html if it exists.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        JsonNode report = ReportReader.read(input);
        JsonOutput.checkDistinct(List.of(input), List.of(html));
        JsonOutput.checkOutputFile(html, modelDirectory(report), overwrite);

        String page = HtmlReport.render(report);
        JsonOutput.writeAtomically(html, stream -> stream.write(page.getBytes(StandardCharsets.UTF_8)));
        LOG.info("Wrote HTML report {} from {}", html, input);
        spec.commandLine().getOut().println("Wrote " + html);
        return 0;
    }

    /** Returns the edited model's source directory as the report records it, which pages must not be written into. */
    static Path modelDirectory(JsonNode report) {
        String path = report.path("model").path("path").asText("");
        if (path.isEmpty()) {
            return null;
        }
        try {
            return Path.of(path);
        } catch (InvalidPathException e) {
            LOG.warn("Report's model path '{}' is not a valid path here; skipping the model directory check", path, e);
            return null;
        }
    }
}
