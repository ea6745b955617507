package org.pkeworkbench.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads prompt datasets in CSV form with a header row. Column names are matched without regard to
 * case or surrounding spaces:
 *
 * <ul>
 *   <li>prompt, first found of: {@code goal} (AdvBench, JailbreakBench), {@code forbidden_prompt}
 *       (StrongREJECT), {@code prompt}, {@code behavior} (HarmBench). JailbreakBench also has a
 *       {@code Behavior} column, but there it contains a short label, so {@code goal} comes first.
 *   <li>context: {@code contextstring} (HarmBench contextual behaviours). When it is not blank
 *       the prompt becomes {@code context + "\n\n---\n\n" + behavior}, the layout HarmBench uses
 *       for its direct-request test cases.
 *   <li>id: {@code id}, {@code behaviorid}, or an unnamed column (JailbreakBench's index);
 *       otherwise the zero-based data row index.
 *   <li>category: {@code category}, then {@code semanticcategory}.
 *   <li>responses: optional {@code safe} and {@code unsafe} columns.
 * </ul>
 */
final class CsvDatasetReader {

    private static final List<String> PROMPT_COLUMNS = List.of("goal", "forbidden_prompt", "prompt", "behavior");
    private static final List<String> ID_COLUMNS = List.of("id", "behaviorid", "");
    private static final List<String> CATEGORY_COLUMNS = List.of("category", "semanticcategory");
    private static final String CONTEXT_COLUMN = "contextstring";
    private static final String HARMBENCH_CONTEXT_SEPARATOR = "\n\n---\n\n";

    private CsvDatasetReader() {
    }

    /**
     * Parses CSV text into edit records.
     *
     * @param text the file content
     * @param source the file name, used in error messages
     * @throws DatasetFormatException when the CSV is malformed, the header has no prompt column,
     *     a row has a different number of fields than the header, or a prompt is blank
     */
    static List<EditRecord> read(String text, String source) throws DatasetFormatException {
        List<CsvParser.CsvRecord> rows = CsvParser.parse(text, source);
        if (rows.isEmpty()) {
            throw new DatasetFormatException(source, DatasetFormatException.NO_LINE,
                    "the CSV file is empty", "Add a header row and at least one data row");
        }

        CsvParser.CsvRecord header = rows.get(0);
        List<String> columns = header.fields().stream().map(CsvDatasetReader::normalize).toList();
        int promptColumn = firstIndexOf(columns, PROMPT_COLUMNS);
        if (promptColumn < 0) {
            throw new DatasetFormatException(source, header.line(),
                    "the header has no prompt column (found " + header.fields() + ")",
                    "Name the prompt column one of " + PROMPT_COLUMNS);
        }
        ColumnMap map = new ColumnMap(
                promptColumn,
                columns.indexOf(CONTEXT_COLUMN),
                firstIndexOf(columns, ID_COLUMNS),
                firstIndexOf(columns, CATEGORY_COLUMNS),
                columns.indexOf("safe"),
                columns.indexOf("unsafe"));

        List<EditRecord> records = new ArrayList<>(rows.size() - 1);
        for (int rowIndex = 1; rowIndex < rows.size(); rowIndex++) {
            CsvParser.CsvRecord row = rows.get(rowIndex);
            checkFieldCount(row, columns.size(), source);
            records.add(toRecord(row, map, rowIndex - 1, header.fields().get(promptColumn), source));
        }
        return records;
    }

    /** Zero-based column indices, -1 where the column is absent. */
    private record ColumnMap(int prompt, int context, int id, int category, int safe, int unsafe) {
    }

    private static EditRecord toRecord(
            CsvParser.CsvRecord row, ColumnMap map, int dataIndex, String promptName, String source)
            throws DatasetFormatException {
        List<String> fields = row.fields();
        String prompt = fields.get(map.prompt());
        if (prompt.isBlank()) {
            throw new DatasetFormatException(source, row.line(),
                    "the prompt column '" + promptName + "' is empty",
                    "Fill in the prompt or delete the row");
        }

        String context = valueOrNull(fields, map.context());
        if (context != null) {
            prompt = context + HARMBENCH_CONTEXT_SEPARATOR + prompt;
        }

        String id = valueOrNull(fields, map.id());
        return new EditRecord(
                id != null ? id.strip() : Integer.toString(dataIndex),
                prompt,
                valueOrNull(fields, map.safe()),
                valueOrNull(fields, map.unsafe()),
                valueOrNull(fields, map.category()));
    }

    private static void checkFieldCount(CsvParser.CsvRecord row, int expected, String source)
            throws DatasetFormatException {
        int found = row.fields().size();
        if (found != expected) {
            throw new DatasetFormatException(source, row.line(),
                    "expected " + expected + " fields as in the header, found " + found,
                    "Give every row one value per header column, and enclose values that contain"
                            + " commas, quotes or line breaks in double quotes");
        }
    }

    private static String valueOrNull(List<String> fields, int column) {
        if (column < 0) {
            return null;
        }
        String value = fields.get(column);
        return value.isBlank() ? null : value;
    }

    private static int firstIndexOf(List<String> columns, List<String> candidates) {
        for (String candidate : candidates) {
            int index = columns.indexOf(candidate);
            if (index >= 0) {
                return index;
            }
        }
        return -1;
    }

    private static String normalize(String column) {
        return column.strip().toLowerCase(Locale.ROOT);
    }
}
