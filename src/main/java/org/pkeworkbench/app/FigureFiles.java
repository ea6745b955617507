package org.pkeworkbench.app;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.Node;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.paint.Color;
import javafx.stage.FileChooser;
import javafx.stage.Window;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shared pieces of the figure exports: writing a file through a hidden temporary sibling that is
 * then moved over the target, PNG images, SVG header and footer, JSON documents, and the Export
 * menu with its file chooser. A failed export never leaves a half-written file under the target
 * name.
 */
final class FigureFiles {

    private static final Logger LOG = LoggerFactory.getLogger(FigureFiles.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private FigureFiles() {}

    /** Writes {@code body} to a temporary sibling of {@code target} and moves it over {@code target}. */
    static void writeAtomically(Path target, Body body) throws IOException {
        long started = System.nanoTime();
        Path absolute = target.toAbsolutePath();
        Path parent = absolute.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path temporary = absolute.resolveSibling("." + absolute.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(temporary)) {
            body.writeTo(out);
        } catch (IOException | RuntimeException error) {
            Files.deleteIfExists(temporary);
            LOG.error("Exporting to {} failed", absolute, error);
            throw error;
        }
        Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("Exported {} in {} ms", absolute, (System.nanoTime() - started) / 1_000_000);
    }

    /** Writes {@code text} as UTF-8. */
    static void writeText(Path target, String text) throws IOException {
        writeAtomically(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes {@code image} as a PNG. */
    static void writePng(BufferedImage image, Path target) throws IOException {
        writeAtomically(target, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("No PNG writer is available to export to " + target);
            }
        });
    }

    /** Writes a snapshot of {@code node}, at its size in pixels, as a PNG. Call on the JavaFX thread. */
    static void writeSnapshotPng(Node node, Path target) throws IOException {
        writePng(SwingFXUtils.fromFXImage(node.snapshot(null, null), null), target);
    }

    /** Writes one pretty-printed JSON document. The generator is closed after {@code body} returns. */
    static void writeJson(Path target, JsonBody body) throws IOException {
        writeAtomically(target, out -> {
            try (JsonGenerator json = JSON.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
                json.useDefaultPrettyPrinter();
                body.writeTo(json);
            }
        });
    }

    /** Returns the opening {@code svg} element of a {@code width x height} pixel image, followed by its title. */
    static String svgHeader(double width, double height, String title) {
        return String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">%n",
                width, height, width, height)
                + "<title>" + escapeXml(title) + "</title>\n";
    }

    static String svgFooter() {
        return "</svg>\n";
    }

    /** Returns an SVG {@code text} element anchored at {@code anchor} (start, middle or end). */
    static String svgText(double x, double y, String anchor, String text) {
        return String.format(Locale.ROOT,
                "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\" font-family=\"sans-serif\" font-size=\"11\">%s</text>%n",
                x, y, anchor, escapeXml(text));
    }

    /** Returns {@code #rrggbb} of {@code color}, ignoring opacity. */
    static String hex(Color color) {
        return String.format(Locale.ROOT, "#%02x%02x%02x",
                Math.round(color.getRed() * 255), Math.round(color.getGreen() * 255), Math.round(color.getBlue() * 255));
    }

    /** Returns {@code #rrggbb} of an AWT colour, as JFreeChart uses. */
    static String hex(java.awt.Color color) {
        return String.format(Locale.ROOT, "#%02x%02x%02x", color.getRed(), color.getGreen(), color.getBlue());
    }

    /** Escapes text for XML content and attributes. Control characters other than tab become spaces, because XML 1.0 rejects them. */
    static String escapeXml(String text) {
        StringBuilder escaped = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> escaped.append("&amp;");
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                default -> escaped.append(c < 0x20 && c != '\t' ? ' ' : c);
            }
        }
        return escaped.toString();
    }

    /** Quotes a CSV field when it contains a comma, quote or line break (RFC 4180). */
    static String csvField(String text) {
        if (text.indexOf(',') < 0 && text.indexOf('"') < 0 && text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return text;
        }
        return '"' + text.replace("\"", "\"\"") + '"';
    }

    /**
     * Returns an Export menu with PNG, SVG, CSV and JSON items. Each item runs {@code requireData},
     * then opens a save dialog and runs its exporter. Errors, including an
     * {@link IllegalStateException} from {@code requireData}, are logged and shown in an alert.
     *
     * @param owner node whose window owns the dialogs
     * @param subject name of the exported figure in dialog titles, for example "pathway chart"
     * @param requireData throws {@link IllegalStateException} with a message for the user when there is no data yet
     */
    static MenuButton exportMenu(Node owner, String subject, Runnable requireData, Exporter png, Exporter svg,
            Exporter csv, Exporter json) {
        ExportContext context = new ExportContext(owner, subject, requireData);
        return new MenuButton("Export", null,
                context.item("Image as PNG…", "PNG image", "*.png", png),
                context.item("Image as SVG…", "SVG image", "*.svg", svg),
                context.item("Data as CSV…", "CSV table", "*.csv", csv),
                context.item("Data as JSON…", "JSON document", "*.json", json));
    }

    /** The view, figure name and data check shared by the items of one Export menu. */
    private record ExportContext(Node owner, String subject, Runnable requireData) {

        MenuItem item(String text, String description, String pattern, Exporter exporter) {
            MenuItem item = new MenuItem(text);
            item.setOnAction(event -> chooseAndExport(description, pattern, exporter));
            return item;
        }

        private void chooseAndExport(String description, String pattern, Exporter exporter) {
            Window window = owner.getScene() == null ? null : owner.getScene().getWindow();
            try {
                requireData.run();
            } catch (IllegalStateException noData) {
                LOG.warn("Export of the {} rejected: {}", subject, noData.getMessage());
                ErrorAlerts.create("Export " + subject, noData, window).show();
                return;
            }

            FileChooser chooser = new FileChooser();
            chooser.setTitle("Export " + subject);
            chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter(description, pattern));
            File file = chooser.showSaveDialog(window);
            if (file == null) {
                return;
            }

            try {
                exporter.export(file.toPath());
            } catch (IOException | RuntimeException error) {
                LOG.error("Exporting the {} to {} failed", subject, file, error);
                ErrorAlerts.create("Export " + subject + " to " + file, error, window).show();
            }
        }
    }

    /** The content of a file, written to an open stream. */
    @FunctionalInterface
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** The content of a JSON document, written to an open generator. */
    @FunctionalInterface
    interface JsonBody {
        void writeTo(JsonGenerator json) throws IOException;
    }

    /** One export method of a view, for the file chooser actions. */
    @FunctionalInterface
    interface Exporter {
        void export(Path target) throws IOException;
    }
}
