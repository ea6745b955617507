package org.pkeworkbench.cli;

/** Quoting for CSV fields (RFC 4180): a field with a comma, quote or line break is quoted, quotes doubled. */
final class CsvText {

    private CsvText() {}

    static String field(String value) {
        if (value == null) {
            return "";
        }
        if (value.contains(",") || value.contains("\"") || value.contains("\n") || value.contains("\r")) {
            return "\"" + value.replace("\"", "\"\"") + "\"";
        }
        return value;
    }
}
