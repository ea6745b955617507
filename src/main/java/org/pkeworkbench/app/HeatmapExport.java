package org.pkeworkbench.app;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import javafx.geometry.Rectangle2D;

/**
 * Writes a heatmap to files: the drawn image as PNG, the aggregated cells as SVG rectangles, and
 * the full score matrix as CSV or JSON. Every file is written to a hidden temporary sibling and
 * then moved over the target, so a failed export never leaves a half-written file under the
 * target name (see {@link FigureFiles}).
 */
final class HeatmapExport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HeatmapExport() {}

    /** Writes {@code image} as a PNG. */
    static void writePng(BufferedImage image, Path target) throws IOException {
        FigureFiles.writePng(image, target);
    }

    /**
     * Writes an SVG of {@code width x height} pixels with one {@code rect} per cell of
     * {@code grid}, placed inside {@code plot} and coloured by {@code scale}.
     */
    static void writeSvg(HeatmapGrid grid, ColorScale scale, Rectangle2D plot, double width, double height,
            String title, Path target) throws IOException {
        FigureFiles.writeAtomically(target, out -> {
            Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            writer.write(String.format(Locale.ROOT,
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\""
                            + " shape-rendering=\"crispEdges\">%n",
                    width, height, width, height));
            writer.write("<title>" + FigureFiles.escapeXml(title) + "</title>\n");

            double cellWidth = plot.getWidth() / grid.columns();
            double cellHeight = plot.getHeight() / grid.rows();
            for (int row = 0; row < grid.rows(); row++) {
                for (int column = 0; column < grid.columns(); column++) {
                    writer.write(String.format(Locale.ROOT,
                            "<rect x=\"%.3f\" y=\"%.3f\" width=\"%.3f\" height=\"%.3f\" fill=\"%s\"/>%n",
                            plot.getMinX() + column * cellWidth, plot.getMinY() + row * cellHeight,
                            cellWidth, cellHeight, FigureFiles.hex(scale.color(grid.value(row, column)))));
                }
            }
            writer.write("</svg>\n");
            writer.flush();
        });
    }

    /** Writes a header {@code layer,neuron,value} and one line per score of {@code [layers][neurons]} {@code scores}. */
    static void writeCsv(float[][] scores, Path target) throws IOException {
        FigureFiles.writeAtomically(target, out -> {
            Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            writer.write("layer,neuron,value\n");
            for (int layer = 0; layer < scores.length; layer++) {
                for (int neuron = 0; neuron < scores[layer].length; neuron++) {
                    writer.write(layer + "," + neuron + "," + scores[layer][neuron] + "\n");
                }
            }
            writer.flush();
        });
    }

    /**
     * Writes {@code {"statistic": name, "layers": L, "neurons": N, "values": [[...], ...]}} with
     * {@code values} as {@code [layers][neurons]}. Jackson writes NaN scores as the string "NaN".
     */
    static void writeJson(String statistic, float[][] scores, Path target) throws IOException {
        FigureFiles.writeAtomically(target, out -> {
            try (JsonGenerator json = JSON.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
                json.writeStartObject();
                json.writeStringField("statistic", statistic);
                json.writeNumberField("layers", scores.length);
                json.writeNumberField("neurons", scores.length == 0 ? 0 : scores[0].length);
                json.writeArrayFieldStart("values");
                for (float[] layer : scores) {
                    json.writeStartArray();
                    for (float value : layer) {
                        json.writeNumber(value);
                    }
                    json.writeEndArray();
                }
                json.writeEndArray();
                json.writeEndObject();
            }
        });
    }
}
