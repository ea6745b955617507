package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code edit --html}, {@code report} and {@code compare-reports} end to end, on the report of one
 * short real edit of the shipped demo model.
 */
class ReportCommandsTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    static Path shared;

    private static Path report;
    private static Path editHtml;

    @TempDir
    Path temp;

    @BeforeAll
    static void runEdit() {
        Path assets = CliRun.assets();
        report = shared.resolve("report.json");
        editHtml = shared.resolve("report.html");
        CliRun run = CliRun.of("edit", "--model", assets.resolve("models/demo").toString(), "--device", "cpu",
                "--edit-set", assets.resolve("datasets/demo-edit.jsonl").toString(),
                "--eval-set", assets.resolve("datasets/demo-eval.jsonl").toString(),
                "--max-edit-records", "3", "--max-eval-prompts", "4", "--locality-count", "2", "--steps", "2",
                "--max-new-tokens", "12", "--out", shared.resolve("edited").toString(),
                "--report", report.toString(), "--html", editHtml.toString());
        assertEquals(0, run.exitCode(), run::toString);
    }

    @Test
    void editWritesHtmlNextToJson() throws IOException {
        JsonNode json = MAPPER.readTree(report.toFile());
        String html = Files.readString(editHtml);

        assertTrue(html.startsWith("<!DOCTYPE html>"), "an HTML page");
        assertTrue(html.contains("Edit report: pke"), "title");
        assertTrue(html.contains(json.at("/model/weights_sha256").asText()), "weights hash from the same run");
        assertFalse(html.toLowerCase(Locale.ROOT).contains("<script"), "no scripts");
    }

    @Test
    void reportRendersTheSamePageAsEdit() throws IOException {
        Path out = temp.resolve("page.html");

        CliRun run = CliRun.of("report", report.toString(), "--html", out.toString());

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("Wrote " + out), run::toString);
        // Writing the report to JSON and reading it back must not change any value shown on the page.
        assertEquals(Files.readString(editHtml), Files.readString(out), "same page from the file as from the run");
    }

    @Test
    void reportKeepsExistingOutputWithoutOverwrite() throws IOException {
        Path out = Files.writeString(temp.resolve("page.html"), "keep me");

        CliRun refused = CliRun.of("report", report.toString(), "--html", out.toString());
        CliRun replaced = CliRun.of("report", report.toString(), "--html", out.toString(), "--overwrite");

        assertNotEquals(0, refused.exitCode(), refused::toString);
        assertTrue(refused.err().contains(out + " already exists"), refused::toString);
        assertTrue(refused.err().contains("--overwrite"), refused::toString);
        assertEquals(0, replaced.exitCode(), replaced::toString);
        assertTrue(Files.readString(out).startsWith("<!DOCTYPE html>"), "replaced by the page");
    }

    @Test
    void reportNamesMissingFile() {
        Path missing = temp.resolve("nope.json");

        CliRun run = CliRun.of("report", missing.toString(), "--html", temp.resolve("x.html").toString());

        assertNotEquals(0, run.exitCode(), run::toString);
        assertTrue(run.err().contains(missing.toString()), run::toString);
        assertTrue(run.err().contains("does not exist"), run::toString);
        assertEquals(2, run.exitCode(), run::toString);
        assertFalse(Files.exists(temp.resolve("x.html")), "no output written");
    }

    @Test
    void reportNamesInvalidJson() throws IOException {
        Path broken = Files.writeString(temp.resolve("broken.json"), "{\"method\": \"pke\",\n  \"asr_before\": [");

        CliRun run = CliRun.of("report", broken.toString(), "--html", temp.resolve("x.html").toString());

        assertNotEquals(0, run.exitCode(), run::toString);
        assertTrue(run.err().contains(broken + " is not valid JSON"), run::toString);
        assertTrue(run.err().contains("line 2"), "names the line: " + run);
    }

    @Test
    void reportRejectsOtherJson() throws IOException {
        Path other = Files.writeString(temp.resolve("forward.json"), "{\"logits\": [1, 2, 3]}");

        CliRun run = CliRun.of("report", other.toString(), "--html", temp.resolve("x.html").toString());

        assertNotEquals(0, run.exitCode(), run::toString);
        assertTrue(run.err().contains(other + " is not an edit report: key 'method' is missing"), run::toString);
    }

    @Test
    void compareReportsPrintsTableAndWritesFiles() throws IOException {
        Path vanilla = writeVariant("vanilla.json", "vanilla", null);
        Path html = temp.resolve("cmp.html");
        Path json = temp.resolve("cmp.json");
        Path csv = temp.resolve("cmp.csv");
        Path markdown = temp.resolve("cmp.md");

        CliRun run = CliRun.of("compare-reports", vanilla.toString(), report.toString(), "--label", "no edit",
                "--label", "PKE", "--html", html.toString(), "--json", json.toString(), "--csv", csv.toString(),
                "--markdown", markdown.toString());

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().startsWith("| Label | Method |"), run::toString);
        assertTrue(run.out().contains("| no edit | vanilla (batch) |"), run::toString);
        assertTrue(run.out().contains("| PKE | pke (batch) |"), run::toString);
        assertFalse(run.out().contains("Warning"), "same model and data: " + run);
        assertEquals(run.out(), Files.readString(markdown), "printed table equals the Markdown file");
        JsonNode rows = MAPPER.readTree(json.toFile()).get("rows");
        assertEquals(2, rows.size());
        assertEquals(MAPPER.readTree(report.toFile()).at("/asr_after/rate").asDouble(), rows.at("/1/asr_after").asDouble());
        assertEquals(3, Files.readAllLines(csv).size(), "CSV header and two rows");
        assertTrue(Files.readString(html).contains("<svg"), "HTML has charts");
    }

    @Test
    void compareReportsWarnsAboutDifferentModels() throws IOException {
        Path other = writeVariant("other-model.json", "dinm", "ef".repeat(32));

        CliRun run = CliRun.of("compare-reports", report.toString(), other.toString());

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("**Warning:** The reports used different model weights"), run::toString);
        assertTrue(run.out().contains("efefefefefef"), run::toString);
    }

    @Test
    void compareReportsRejectsBadInput() throws IOException {
        Path other = Files.writeString(temp.resolve("list.json"), "[1, 2]");

        CliRun notAReport = CliRun.of("compare-reports", report.toString(), other.toString());
        CliRun missing = CliRun.of("compare-reports", report.toString(), temp.resolve("gone.json").toString());
        CliRun labels = CliRun.of("compare-reports", report.toString(), report.toString(), "--label", "one");
        CliRun single = CliRun.of("compare-reports", report.toString(), "--label", "a", "--label", "b");

        assertNotEquals(0, notAReport.exitCode(), notAReport::toString);
        assertTrue(notAReport.err().contains(other + " is not an edit report: expected a JSON object"), notAReport::toString);
        assertNotEquals(0, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("gone.json"), missing::toString);
        assertNotEquals(0, labels.exitCode(), labels::toString);
        assertTrue(labels.err().contains("Got 1 --label values for 2 reports"), labels::toString);
        assertEquals(2, single.exitCode(), single::toString);
        assertTrue(single.err().contains("Got one report (" + report + "); compare-reports compares two or more"),
                single::toString);
    }

    @Test
    void reportRefusesToReplaceItsInput() throws IOException {
        Path copy = Files.copy(report, temp.resolve("copy.json"));
        byte[] before = Files.readAllBytes(copy);

        CliRun run = CliRun.of("report", copy.toString(), "--html", copy.toString(), "--overwrite");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("given both as an input and as an output"), run::toString);
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(copy)), "the report is unchanged");
    }

    @Test
    void compareReportsWarnsAboutAReportGivenTwice() {
        CliRun run = CliRun.of("compare-reports", report.toString(), report.toString());

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Warning: a report is given twice"), run::toString);
    }

    @Test
    void compareReportsRefusesOneFileForTwoOutputs() {
        Path both = temp.resolve("both.out");

        CliRun run = CliRun.of("compare-reports", report.toString(), report.toString(), "--json", both.toString(),
                "--csv", both.toString());

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("--json and --csv " + both + " is given for two outputs"), run::toString);
        assertFalse(Files.exists(both));
    }

    @Test
    void compareReportsRejectsModelFolderOutput() throws IOException {
        Path model = Files.createDirectories(temp.resolve("model"));
        ObjectNode tree = (ObjectNode) MAPPER.readTree(report.toFile());
        ((ObjectNode) tree.get("model")).put("path", model.toString());
        Path moved = temp.resolve("moved.json");
        MAPPER.writeValue(moved.toFile(), tree);

        CliRun run = CliRun.of("compare-reports", report.toString(), moved.toString(), "--html",
                model.resolve("page.html").toString());

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("inside the model directory"), run::toString);
        assertFalse(Files.exists(model.resolve("page.html")));
    }

    /** Writes a copy of the demo report with another method and, when given, another weights hash. */
    private Path writeVariant(String name, String method, String weightsSha256) throws IOException {
        ObjectNode copy = (ObjectNode) MAPPER.readTree(report.toFile());
        copy.put("method", method);
        if (weightsSha256 != null) {
            ((ObjectNode) copy.get("model")).put("weights_sha256", weightsSha256);
        }
        Path file = temp.resolve(name);
        MAPPER.writeValue(file.toFile(), copy);
        return file;
    }
}
