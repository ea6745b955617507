package org.pkeworkbench.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** {@link ReportComparison} on copies of a real demo edit report, changed where a case needs it. */
class ReportComparisonTest {

    /** Returns the real PKE report, and a vanilla report of the same run: nothing edited, after equals before. */
    private static List<JsonNode> pkeAndVanilla() {
        ObjectNode pke = DemoEditReports.report();
        ObjectNode vanilla = DemoEditReports.report();
        vanilla.put("method", "vanilla");
        vanilla.set("asr_after", vanilla.get("asr_before"));
        vanilla.set("over_refusal", vanilla.get("over_refusal_before"));
        vanilla.put("rouge_l_benign", 1.0);
        vanilla.put("changed_weights", 0);
        return List.of(vanilla, pke);
    }

    @Test
    void rowsCarryEachReportsNumbers() {
        List<JsonNode> reports = pkeAndVanilla();
        JsonNode pke = reports.get(1);

        ReportComparison comparison = ReportComparison.of(List.of("vanilla.json", "pke.json"), reports, List.of());

        assertEquals(List.of(), comparison.warnings(), "same model and data");
        assertEquals(List.of("vanilla", "pke"), comparison.rows().stream().map(ComparisonRow::label).toList());
        ComparisonRow row = comparison.rows().get(1);
        assertEquals(pke.at("/asr_before/rate").asDouble(), row.asrBefore().orElseThrow().rate());
        assertEquals(pke.at("/asr_after/upper").asDouble(), row.asrAfter().orElseThrow().upper());
        assertEquals(pke.at("/over_refusal/rate").asDouble(), row.overRefusalAfter().orElseThrow().rate());
        assertEquals(pke.get("rouge_l_benign").asDouble(), row.rougeL());
        assertEquals(pke.get("fluency_after").asDouble(), row.fluencyAfter());
        assertEquals(pke.get("changed_weights").asLong(), row.changedWeights());
        assertEquals(pke.at("/timings_seconds/locate_and_edit").asDouble(), row.editSeconds());
        assertTrue(row.winRate().isEmpty(), "no win rate in the report");
        assertTrue(Double.isNaN(row.dgAverageAfter()), "no DG scores: the demo edit set is not SafeEdit");
        assertEquals(pke.at("/safeedit_after/ds").asDouble(), row.safeEditAfter().get("ds"));
    }

    @Test
    void sameFileNamesKeepWarnings() {
        ObjectNode fewer = DemoEditReports.report();
        ObjectNode more = DemoEditReports.report();
        ((ObjectNode) more.at("/datasets/eval_set")).put("records_used", 99);

        ReportComparison comparison = ReportComparison.of(List.of("run1/pke.json", "run2/pke.json"),
                List.of(fewer, more), List.of());

        assertEquals(List.of("pke (run1/pke.json)", "pke (run2/pke.json)"),
                comparison.rows().stream().map(ComparisonRow::label).toList());
        assertEquals(1, comparison.warnings().size(), comparison.warnings()::toString);
        assertTrue(comparison.warnings().get(0).contains("numbers of attack prompts"), comparison.warnings().get(0));
        assertTrue(comparison.warnings().get(0).contains(": pke (run1/pke.json); 99: pke (run2/pke.json)"),
                comparison.warnings().get(0));
    }

    @Test
    void jsonCsvAndMarkdownAgree() {
        List<JsonNode> reports = pkeAndVanilla();
        JsonNode pke = reports.get(1);
        ReportComparison comparison = ReportComparison.of(List.of("vanilla.json", "pke.json"), reports,
                List.of("baseline", "PKE, 3 steps"));

        JsonNode json = comparison.toJson();
        String csv = comparison.toCsv();
        String markdown = comparison.toMarkdown();

        assertEquals(2, json.get("rows").size());
        assertEquals("PKE, 3 steps", json.at("/rows/1/label").asText());
        assertEquals(pke.at("/asr_after/rate").asDouble(), json.at("/rows/1/asr_after").asDouble());
        assertEquals(pke.at("/asr_after/lower").asDouble(), json.at("/rows/1/asr_after_lower").asDouble());
        assertTrue(json.at("/rows/1/win_rate").isNull(), "absent win rate is null");

        String[] lines = csv.split("\r\n");
        assertEquals(3, lines.length, "header and two rows: " + csv);
        assertTrue(lines[0].startsWith("label,file,method,edit_mode,asr_before,"), lines[0]);
        assertTrue(lines[2].startsWith("\"PKE, 3 steps\",pke.json,pke,batch,"), "label with comma is quoted: " + lines[2]);
        assertTrue(lines[2].contains("," + pke.get("rouge_l_benign").asDouble() + ","),
                "ROUGE-L in CSV: " + lines[2]);

        assertTrue(markdown.startsWith("| Label | Method | ASR before | ASR after |"), markdown);
        assertTrue(markdown.contains("| PKE, 3 steps | pke (batch) |"), markdown);
        assertTrue(markdown.contains(ReportedRate.from(pke.get("asr_after")).orElseThrow().describe()), markdown);
        assertFalse(markdown.contains("Warning"), markdown);
    }

    @Test
    void differentModelsAreWarned() {
        List<JsonNode> reports = pkeAndVanilla();
        ((ObjectNode) reports.get(1).get("model")).put("weights_sha256", "ab".repeat(32));

        ReportComparison comparison = ReportComparison.of(List.of("a.json", "b.json"), reports, List.of());

        assertEquals(1, comparison.warnings().size(), comparison.warnings().toString());
        String warning = comparison.warnings().get(0);
        assertTrue(warning.contains("different model weights"), warning);
        assertTrue(warning.contains("abababababab"), "names the short hash: " + warning);
        assertTrue(warning.contains("pke"), "names the PKE row: " + warning);
        assertTrue(warning.contains("vanilla"), "names the vanilla row: " + warning);
        assertTrue(comparison.toMarkdown().startsWith("> **Warning:** The reports used different model weights"),
                comparison.toMarkdown());
        assertEquals(warning, comparison.toJson().at("/warnings/0").asText());
        assertTrue(comparison.toHtml().contains("class=\"warning\""), "HTML shows the warning");
    }

    @Test
    void differentEvalSetsAreWarned() {
        List<JsonNode> reports = pkeAndVanilla();
        ((ObjectNode) reports.get(0).at("/datasets/eval_set")).put("sha256", "cd".repeat(32));

        ReportComparison comparison = ReportComparison.of(List.of("a.json", "b.json"), reports, List.of());

        assertEquals(1, comparison.warnings().size(), comparison.warnings().toString());
        assertTrue(comparison.warnings().get(0).contains("different attack prompt files"), comparison.warnings().get(0));
    }

    @Test
    void differentPromptCountsAndLengthsAreWarned() {
        List<JsonNode> reports = pkeAndVanilla();
        ((ObjectNode) reports.get(0).at("/datasets/eval_set")).put("records_used", 3);
        ((ObjectNode) reports.get(0).get("hyperparameters")).put("max_new_tokens", 8);

        ReportComparison comparison = ReportComparison.of(List.of("a.json", "b.json"), reports, List.of());

        assertEquals(2, comparison.warnings().size(), comparison.warnings().toString());
        assertTrue(comparison.warnings().get(0).contains("different numbers of attack prompts"),
                comparison.warnings().get(0));
        assertTrue(comparison.warnings().get(1).contains("different answer lengths"), comparison.warnings().get(1));
    }

    @Test
    void missingHashIsWarned() {
        List<JsonNode> reports = pkeAndVanilla();
        ((ObjectNode) reports.get(0).get("model")).remove("weights_sha256");

        ReportComparison comparison = ReportComparison.of(List.of("a.json", "b.json"), reports, List.of());

        assertEquals(1, comparison.warnings().size(), comparison.warnings().toString());
        assertTrue(comparison.warnings().get(0).contains("do not record their model weights (SHA-256), so comparability cannot be checked: vanilla"),
                comparison.warnings().get(0));
    }

    @Test
    void repeatedMethodsGetFileNamesInLabels() {
        List<JsonNode> reports = List.of(DemoEditReports.report(), DemoEditReports.report());

        ReportComparison comparison = ReportComparison.of(List.of("dir/run1.json", "dir/run2.json"), reports, List.of());

        assertEquals(List.of("pke (run1.json)", "pke (run2.json)"),
                comparison.rows().stream().map(ComparisonRow::label).toList());
    }

    @Test
    void labelCountMustMatch() {
        List<JsonNode> reports = pkeAndVanilla();

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> ReportComparison.of(List.of("a.json", "b.json"), reports, List.of("only one")));

        assertTrue(error.getMessage().contains("1 labels for 2 reports"), error.getMessage());
    }

    @Test
    void htmlChartsMatchRowValues() throws Exception {
        List<JsonNode> reports = pkeAndVanilla();
        DemoEditReports.withOptionalKeys((ObjectNode) reports.get(1));
        ReportComparison comparison = ReportComparison.of(List.of("a.json", "b.json"), reports, List.of());

        String html = comparison.toHtml();

        HtmlReportTest.parse(html);
        assertFalse(html.toLowerCase(Locale.ROOT).contains("http://"), "no http URL");
        assertFalse(html.toLowerCase(Locale.ROOT).contains("https://"), "no https URL");
        for (ComparisonRow row : comparison.rows()) {
            assertEquals(row.asrAfter().orElseThrow().rate() * SvgCharts.PLOT_HEIGHT_PX,
                    HtmlReportTest.barHeight(html, row.label(), "after"), 0.01, row.label() + " ASR after");
        }
        ComparisonRow pke = comparison.rows().get(1);
        assertEquals(pke.dgAverageAfter() / 100 * SvgCharts.PLOT_HEIGHT_PX,
                HtmlReportTest.barHeight(html, "pke", "DG avg after"), 0.01, "DG average bar");
        // DG scores after are 65, 70, 75 and 80 in the test report.
        assertEquals(72.5, pke.dgAverageAfter(), 1e-9);
        assertEquals(0.25 * SvgCharts.PLOT_HEIGHT_PX, HtmlReportTest.barHeight(html, "pke", "win rate"), 0.01);
    }
}
