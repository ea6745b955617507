package org.pkeworkbench.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Parser for comma-separated values as RFC 4180 defines them: fields separated by commas,
 * records ended by CRLF or LF, fields optionally enclosed in double quotes, and inside a quoted
 * field a doubled quote ({@code ""}) for a literal quote and commas and line breaks taken as text.
 *
 * <p>Three lenient choices, as Python's {@code csv} module makes them: a lone CR also ends a
 * record, a quote inside an unquoted field is kept as text, and empty lines are skipped. A UTF-8
 * byte order mark at the start is dropped.
 */
final class CsvParser {

    /**
     * One parsed record.
     *
     * @param line one-based line number where the record starts
     * @param fields the field values, unquoted
     */
    record CsvRecord(int line, List<String> fields) {
    }

    private final String text;
    private final String source;
    private final List<CsvRecord> records = new ArrayList<>();

    private List<String> fields = new ArrayList<>();
    private final StringBuilder field = new StringBuilder();
    private boolean fieldStarted;
    private boolean afterClosingQuote;
    private boolean recordHasQuotedField;
    private int line = 1;
    private int recordStartLine = 1;

    private CsvParser(String text, String source) {
        this.text = text.startsWith("\uFEFF") ? text.substring(1) : text;
        this.source = source;
    }

    /**
     * Parses the whole text into records.
     *
     * @param text the CSV content
     * @param source the file name, used in error messages
     * @throws DatasetFormatException when a quoted field is not closed or a closing quote is
     *     followed by text
     */
    static List<CsvRecord> parse(String text, String source) throws DatasetFormatException {
        CsvParser parser = new CsvParser(text, source);
        parser.run();
        return parser.records;
    }

    private void run() throws DatasetFormatException {
        int length = text.length();
        int i = 0;
        while (i < length) {
            char c = text.charAt(i);
            if (c == '"' && !fieldStarted) {
                i = readQuotedField(i + 1);
                continue;
            }
            if (c == ',') {
                endField();
                i++;
                continue;
            }
            if (c == '\r' || c == '\n') {
                endField();
                endRecord();
                boolean crlf = c == '\r' && i + 1 < length && text.charAt(i + 1) == '\n';
                i += crlf ? 2 : 1;
                line++;
                recordStartLine = line;
                continue;
            }
            if (afterClosingQuote) {
                throw new DatasetFormatException(source, line,
                        "unexpected character '" + c + "' after the closing quote of a field",
                        "Put a comma or a line break right after a closing quote, and write each"
                                + " quote inside a quoted field as two quotes (\"\")");
            }
            field.append(c);
            fieldStarted = true;
            i++;
        }
        if (fieldStarted || !fields.isEmpty()) {
            endField();
            endRecord();
        }
    }

    /**
     * Reads a quoted field whose opening quote is just before {@code start}, and returns the
     * index after its closing quote.
     */
    private int readQuotedField(int start) throws DatasetFormatException {
        int openingLine = line;
        fieldStarted = true;
        recordHasQuotedField = true;
        int length = text.length();
        int i = start;
        while (i < length) {
            char c = text.charAt(i);
            if (c == '"') {
                boolean doubled = i + 1 < length && text.charAt(i + 1) == '"';
                if (!doubled) {
                    afterClosingQuote = true;
                    return i + 1;
                }
                field.append('"');
                i += 2;
                continue;
            }
            if (c == '\n') {
                line++;
            }
            field.append(c);
            i++;
        }
        throw new DatasetFormatException(source, openingLine,
                "the quoted field that starts on this line is not closed before the end of the file",
                "Close the field with a double quote (\") and write each quote inside it as two"
                        + " quotes (\"\")");
    }

    private void endField() {
        fields.add(field.toString());
        field.setLength(0);
        fieldStarted = false;
        afterClosingQuote = false;
    }

    private void endRecord() {
        boolean emptyLine = fields.size() == 1 && fields.get(0).isEmpty() && !recordHasQuotedField;
        if (!emptyLine) {
            records.add(new CsvRecord(recordStartLine, List.copyOf(fields)));
        }
        fields = new ArrayList<>();
        recordHasQuotedField = false;
    }
}
