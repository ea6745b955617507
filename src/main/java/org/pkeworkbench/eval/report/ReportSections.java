package org.pkeworkbench.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Building blocks shared by the report and comparison pages: the page shell, tables and flattening of JSON. */
final class ReportSections {

    /** Inline style sheet. It avoids {@code <}, {@code >} and {@code &} so the page stays well-formed XML. */
    static final String STYLE = """
            body { font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 1200px; }
            h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
            table { border-collapse: collapse; margin: 8px 0; }
            th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
            th { background: #f2f2f2; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            .text { white-space: pre-wrap; }
            .more { color: #a33; font-style: italic; }
            .hash, code { font-family: monospace; font-size: 0.9em; word-break: break-all; }
            .warning { background: #fff3cd; border: 1px solid #e0b400; padding: 8px; margin: 8px 0; }
            .yes { color: #a33; font-weight: bold; } .no { color: #287a28; }
            svg.chart { margin: 8px 16px 8px 0; }
            svg text { font-size: 11px; } svg .chart-title { font-size: 13px; font-weight: bold; }
            footer { margin-top: 3em; color: #777; font-size: 0.85em; }
            """;

    private ReportSections() {}

    static void openPage(StringBuilder html, String title) {
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
                .append("<title>").append(Html.escape(title)).append("</title>\n<style>\n").append(STYLE)
                .append("</style>\n</head>\n<body>\n<h1>").append(Html.escape(title)).append("</h1>\n");
    }

    static void closePage(StringBuilder html) {
        html.append("<footer>Written by PKE Workbench. The page is self-contained: inline styles and SVG, "
                + "no scripts, no external resources.</footer>\n</body>\n</html>\n");
    }

    static void heading(StringBuilder html, String id, String title) {
        html.append("<h2 id=\"").append(Html.escape(id)).append("\">").append(Html.escape(title)).append("</h2>\n");
    }

    static void paragraph(StringBuilder html, String text) {
        html.append("<p>").append(Html.escape(text)).append("</p>\n");
    }

    static void warning(StringBuilder html, String text) {
        html.append("<div class=\"warning\">Warning: ").append(Html.escape(text)).append("</div>\n");
    }

    /** Writes a table whose cells are already markup (escape texts before passing them). */
    static void table(StringBuilder html, List<String> headers, List<List<String>> rows) {
        html.append("<table>\n<tr>");
        for (String header : headers) {
            html.append("<th>").append(Html.escape(header)).append("</th>");
        }
        html.append("</tr>\n");
        for (List<String> row : rows) {
            html.append("<tr>");
            for (String cell : row) {
                boolean numeric = cell.startsWith("<num>");
                String content = numeric ? cell.substring("<num>".length()) : cell;
                html.append(numeric ? "<td class=\"num\">" : "<td>").append(content).append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</table>\n");
    }

    /** Marks an escaped cell for right alignment in {@link #table}. */
    static String numericCell(String text) {
        return "<num>" + Html.escape(text);
    }

    /** Key and value rows of a JSON object, nested objects flattened to dotted keys and arrays written as JSON. */
    static List<List<String>> flattenedRows(JsonNode node) {
        List<List<String>> rows = new ArrayList<>();
        flatten("", node, rows);
        return rows;
    }

    private static void flatten(String prefix, JsonNode node, List<List<String>> rows) {
        if (node.isObject() && node.size() > 0) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                flatten(prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), field.getValue(), rows);
            }
            return;
        }
        rows.add(List.of("<code>" + Html.escape(prefix) + "</code>", Html.shortened(valueText(node))));
    }

    /** Returns a scalar as plain text (strings unquoted) and arrays and objects as compact JSON. */
    static String valueText(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return "";
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isNumber() && !node.isIntegralNumber()) {
            return Html.number(node.asDouble());
        }
        return node.toString();
    }
}
