package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javafx.scene.Scene;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.layout.GridPane;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;
import org.pkeworkbench.trace.CausalTraceResult;
import org.pkeworkbench.trace.ContributionGraph;
import org.pkeworkbench.trace.HeadContribution;
import org.pkeworkbench.trace.LayerContributions;
import org.pkeworkbench.trace.NeuronContribution;
import org.pkeworkbench.trace.RestoredState;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** PNG, SVG, CSV and JSON export of the pathway, ASR, contribution graph and causal trace views on hand-built data. */
@ExtendWith(ApplicationExtension.class)
class FigureExportTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path directory;

    private PathwayChartView pathwayView;
    private AsrChartView asrView;
    private ContributionGraphView graphView;
    private CausalTraceView causalView;

    @Start
    void start(Stage stage) {
        pathwayView = new PathwayChartView();
        asrView = new AsrChartView();
        graphView = new ContributionGraphView();
        causalView = new CausalTraceView();
        GridPane grid = new GridPane();
        grid.add(pathwayView, 0, 0);
        grid.add(asrView, 1, 0);
        grid.add(graphView, 0, 1);
        grid.add(causalView, 1, 1);
        for (javafx.scene.layout.Region view : List.of(pathwayView, asrView, graphView, causalView)) {
            view.setPrefSize(600, 380);
        }
        // The headless Monocle screen is 1280 x 800; a larger scene fails to paint.
        stage.setScene(new Scene(grid, 1200, 760));
        stage.show();
    }

    @Test
    void pathwayChartExportsAllFormats() throws Exception {
        LocateResult result = new LocateResult(new double[] {1, 2, 4}, new double[] {0.5, 0.25, 1},
                new double[] {-1, 0.5, 2}, new double[] {2, 3, 6}, new float[3][4], List.of(new HotSpot(2, List.of(1))));
        FxTestSupport.onFx(() -> {
            pathwayView.setResult(result);
            return null;
        });

        Path png = exportOnFx(pathwayView::exportPng, "pathway.png");
        Path svg = exportOnFx(pathwayView::exportSvg, "pathway.svg");
        Path csv = exportOnFx(pathwayView::exportCsv, "pathway.csv");
        Path json = exportOnFx(pathwayView::exportJson, "pathway.json");

        assertDecodesAsPng(png);
        Document document = parseSvg(svg);
        assertEquals(3, countWithClass(document, "rect", "bar"), "one bar per layer");
        assertEquals(3, countWithClass(document, "polyline", "series"), "one line per component");
        assertTrue(svgText(document).contains("Decoder layer"), "x axis label");
        assertTrue(svgText(document).contains("Score / max |score|"), "y axis label");
        List<String> lines = Files.readAllLines(csv);
        assertEquals(4, lines.size(), "header and one line per layer");
        assertEquals("2,6.0,4.0,1.0,2.0,true", lines.get(3));
        JsonNode root = JSON.readTree(json.toFile());
        assertEquals(3, root.get("layers").asInt());
        assertEquals(2, root.get("suggestedLayers").get(0).asInt());
        assertEquals(3, root.get("raw").get("logitLensMargin").size());
        assertEquals(1.0, root.get("normalised").get("combined").get(2).asDouble(), 1e-12);
        assertNoTemporaryFiles();
    }

    @Test
    void asrChartExportsAllFormats() throws Exception {
        EditSummary summary = new EditSummary(new Proportion(8, 10), new Proportion(2, 10), new Proportion(1, 20),
                new Proportion(3, 20), 1.0, 0.8, 12, 3.5,
                java.util.Map.of("fraud, scams", new Proportion(4, 5)), java.util.Map.of("fraud, scams", new Proportion(1, 5)));
        FxTestSupport.onFx(() -> {
            asrView.setSummary(summary);
            return null;
        });

        Path png = exportOnFx(asrView::exportPng, "asr.png");
        Path svg = exportOnFx(asrView::exportSvg, "asr.svg");
        Path csv = exportOnFx(asrView::exportCsv, "asr.csv");
        Path json = exportOnFx(asrView::exportJson, "asr.json");

        assertDecodesAsPng(png);
        Document document = parseSvg(svg);
        assertEquals(2, countWithClass(document, "rect", "bar"), "before and after bars");
        assertEquals(2, countWithClass(document, "line", "interval"), "one Wilson interval per bar");
        assertTrue(svgText(document).contains("80.0%"), "before label");
        List<String> lines = Files.readAllLines(csv);
        assertEquals(11, lines.size(), "header, 2 ASR, 2 over-refusal, 2 category ASR, 2 ROUGE-L, steps, wall time");
        assertTrue(lines.get(1).startsWith("attack_success_rate,before,0.8,8,10,"), lines.get(1));
        assertTrue(lines.get(6).startsWith("\"attack_success_rate:fraud, scams\",after,0.2,1,5,"), lines.get(6));
        JsonNode root = JSON.readTree(json.toFile());
        assertEquals(0.2, root.get("attackSuccessRate").get("after").get("value").asDouble(), 1e-12);
        assertTrue(root.get("attackSuccessRate").get("after").has("lower95"));
        assertEquals(3, root.get("overRefusal").get("after").get("count").asInt());
        assertEquals(0.8, root.get("rougeL").get("after").asDouble(), 1e-12);
        assertEquals(12, root.get("steps").asInt());
        assertEquals(4, root.get("attackSuccessRateByCategory").get("fraud, scams").get("before").get("count").asInt());
        assertEquals(0.8, FxTestSupport.onFx(() -> asrView.plottedBreakdown(AsrChartView.BEFORE, "ASR: fraud, scams"))
                .orElseThrow(), 1e-12);
        assertEquals(0.15, FxTestSupport.onFx(() -> asrView.plottedBreakdown(AsrChartView.AFTER, BreakdownChart.BENIGN))
                .orElseThrow(), 1e-12);
        assertNoTemporaryFiles();
    }

    @Test
    void contributionGraphExportsKeptEdges() throws Exception {
        FxTestSupport.onFx(() -> {
            graphView.setGraph(twoTokenGraph(), List.of("a", "b, c"));
            graphView.threshold().set(0.25);
            return null;
        });
        int keptEdges = FxTestSupport.onFx(graphView::visibleEdgeCount);
        assertEquals(6, keptEdges);

        Path png = exportOnFx(graphView::exportPng, "graph.png");
        Path svg = exportOnFx(graphView::exportSvg, "graph.svg");
        Path csv = exportOnFx(graphView::exportCsv, "graph.csv");
        Path json = exportOnFx(graphView::exportJson, "graph.json");

        assertDecodesAsPng(png);
        Document document = parseSvg(svg);
        assertEquals(6, countWithClass(document, "circle", "node"), "3 rows of 2 tokens");
        assertEquals(keptEdges, countWithClass(document, "line", "edge"));
        List<String> lines = Files.readAllLines(csv);
        assertEquals(keptEdges + 1, lines.size());
        assertTrue(csvText(csv).contains("\"b, c\""), "a token with a comma is quoted");
        JsonNode root = JSON.readTree(json.toFile());
        assertEquals(0.25, root.get("threshold").asDouble(), 1e-12);
        assertEquals(1, root.get("layers").asInt());
        assertEquals("b, c", root.get("tokens").get(1).asText());
        assertEquals(keptEdges, root.get("edges").size());
        JsonNode edge = root.get("edges").get(0);
        for (String key : List.of("from", "to", "kind", "weight")) {
            assertTrue(edge.has(key), "edge has " + key);
        }
        assertNoTemporaryFiles();
    }

    @Test
    void causalTraceExportsCellsAndProbabilities() throws Exception {
        CausalTraceResult result = new CausalTraceResult(new long[] {5, 9, 11}, new String[] {"a", "b", "<c>"}, 42, "x",
                0, 2, 0.5, RestoredState.RESID_POST, 1, 0.9, 0.1,
                new double[][] {{0.1, 0.6, 0.2}, {0.3, 0.2, 0.1}},
                new double[][] {{0.0, 0.5, 0.1}, {0.2, 0.1, 0.0}});
        FxTestSupport.onFx(() -> {
            causalView.setResult(result);
            return null;
        });

        Path png = exportOnFx(causalView::exportPng, "causal.png");
        Path svg = exportOnFx(causalView::exportSvg, "causal.svg");
        Path csv = exportOnFx(causalView::exportCsv, "causal.csv");
        Path json = exportOnFx(causalView::exportJson, "causal.json");

        assertDecodesAsPng(png);
        Document document = parseSvg(svg);
        assertEquals(6, countWithClass(document, "rect", "cell"), "2 layers x 3 tokens");
        assertTrue(svgText(document).contains("<c>"), "token label survives XML escaping");
        List<String> lines = Files.readAllLines(csv);
        assertEquals(7, lines.size());
        assertEquals("1,0,5,a,true,0.2,0.3", lines.get(4));
        JsonNode root = JSON.readTree(json.toFile());
        assertEquals("x", root.get("target").asText());
        assertEquals(0.9, root.get("cleanProbability").asDouble(), 1e-12);
        assertEquals(0.1, root.get("corruptedProbability").asDouble(), 1e-12);
        assertEquals(2, root.get("indirectEffect").size());
        assertEquals(3, root.get("indirectEffect").get(0).size());
        assertEquals(0.6, root.get("restoredProbability").get(0).get(1).asDouble(), 1e-12);
        assertEquals(3, root.get("tokens").size());
        assertNoTemporaryFiles();
    }

    @Test
    void exportWithoutDataFailsWithoutWritingAFile() throws IOException {
        FxTestSupport.onFx(() -> {
            causalView.setResult(null);
            return null;
        });
        Path target = directory.resolve("empty.csv");

        IllegalStateException error = assertThrows(IllegalStateException.class, () -> causalView.exportCsv(target));

        assertTrue(error.getMessage().contains("Run a trace first"), error.getMessage());
        assertTrue(Files.notExists(target));
        assertNoTemporaryFiles();
    }

    @Test
    void asrExportWithoutResultsNamesUndoneEdits() {
        Path target = directory.resolve("results.csv");
        String[][] cases = {
            {"-1", "No edit results to show. Run an edit, or Redo one you undid.", "use Edit > Redo"},
            {"0", "No edit run yet", "Run an edit first."},
            {"1", "No edit is applied (1 undone; Redo applies it again)", "(1 undone)"},
            {"2", "No edit is applied (2 undone; Redo applies them again in order)", "(2 undone)"},
        };
        for (String[] testCase : cases) {
            int undone = Integer.parseInt(testCase[0]);
            String runText = FxTestSupport.onFx(() -> {
                if (undone < 0) {
                    asrView.clear();
                } else {
                    asrView.clearWithUndone(undone);
                }
                return asrView.runText();
            });

            IllegalStateException error = assertThrows(IllegalStateException.class, () -> asrView.exportCsv(target));

            assertEquals(testCase[1], runText, "undone " + undone);
            assertTrue(error.getMessage().contains(testCase[2]), error.getMessage());
            assertTrue(FxTestSupport.onFx(() -> asrView.summary()).isEmpty(), "undone " + undone);
            assertTrue(Files.notExists(target), "undone " + undone);
        }
    }

    @Test
    void everyViewHasExportMenu() {
        for (String id : List.of("#pathwayExport", "#asrExport", "#contributionExport", "#causalExport")) {
            List<String> items = FxTestSupport.onFx(() -> {
                MenuButton menu = (MenuButton) pathwayView.getScene().lookup(id);
                assertNotNull(menu, id);
                return menu.getItems().stream().map(MenuItem::getText).toList();
            });

            assertEquals(List.of("Image as PNG…", "Image as SVG…", "Data as CSV…", "Data as JSON…"), items, id);
        }
    }

    private Path exportOnFx(Export export, String name) {
        Path target = directory.resolve(name);
        FxTestSupport.onFx(() -> {
            export.to(target);
            return null;
        });
        assertTrue(Files.isRegularFile(target), name + " was written");
        return target;
    }

    private void assertNoTemporaryFiles() throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            List<String> leftovers = files.map(path -> path.getFileName().toString())
                    .filter(name -> name.endsWith(".tmp") || name.startsWith("."))
                    .toList();
            assertEquals(List.of(), leftovers);
        }
    }

    private static void assertDecodesAsPng(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, png + " decodes as an image");
        assertTrue(image.getWidth() > 0 && image.getHeight() > 0);
    }

    private static Document parseSvg(Path svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Document document = factory.newDocumentBuilder().parse(svg.toFile());
        assertEquals("svg", document.getDocumentElement().getLocalName());
        return document;
    }

    private static int countWithClass(Document document, String tag, String cssClass) {
        NodeList elements = document.getElementsByTagNameNS("*", tag);
        int count = 0;
        for (int index = 0; index < elements.getLength(); index++) {
            if (cssClass.equals(((Element) elements.item(index)).getAttribute("class"))) {
                count++;
            }
        }
        return count;
    }

    private static String svgText(Document document) {
        return document.getDocumentElement().getTextContent();
    }

    private static String csvText(Path csv) throws IOException {
        return Files.readString(csv, StandardCharsets.UTF_8);
    }

    /** Builds one layer over two tokens with known weights, as in {@code TraceViewsTest}. */
    private static ContributionGraph twoTokenGraph() {
        LayerContributions layer = new LayerContributions(
                new double[][] {{0.2}, {0.6, 0.1}},
                new double[] {0.8, 0.3},
                new double[] {0.05, 0.45},
                new double[] {0.95, 0.55},
                List.of(List.of(new HeadContribution(0, 0.2)), List.of(new HeadContribution(3, 0.5),
                        new HeadContribution(1, 0.2))),
                List.of(List.of(new NeuronContribution(7, 1.5, 3.0, 0.25)), List.of()));
        return new ContributionGraph(new long[] {5, 9}, List.of(layer));
    }

    /** One export method of a view. */
    @FunctionalInterface
    private interface Export {
        void to(Path target) throws IOException;
    }
}
