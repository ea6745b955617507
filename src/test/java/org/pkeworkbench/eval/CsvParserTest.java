package org.pkeworkbench.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CsvParserTest {

    private static List<CsvParser.CsvRecord> parse(String text) throws DatasetFormatException {
        return CsvParser.parse(text, "test.csv");
    }

    @Test
    void quotedCommaKeptInField() throws DatasetFormatException {
        List<CsvParser.CsvRecord> records = parse("a,\"b, c\",d\n");

        assertEquals(List.of("a", "b, c", "d"), records.get(0).fields());
    }

    @Test
    void doubledQuoteBecomesOneQuote() throws DatasetFormatException {
        List<CsvParser.CsvRecord> records = parse("\"say \"\"hi\"\"\",\"\"\"\"\n");

        assertEquals(List.of("say \"hi\"", "\""), records.get(0).fields());
    }

    @Test
    void newlineInsideQuotesKeptAndLinesCounted() throws DatasetFormatException {
        List<CsvParser.CsvRecord> records = parse("h1,h2\n\"one\ntwo\r\nthree\",x\nlast,y");

        assertEquals(3, records.size());
        assertEquals(List.of("one\ntwo\r\nthree", "x"), records.get(1).fields());
        assertEquals(2, records.get(1).line());
        assertEquals(5, records.get(2).line());
        assertEquals(List.of("last", "y"), records.get(2).fields());
    }

    @Test
    void crlfAndEmptyFields() throws DatasetFormatException {
        List<CsvParser.CsvRecord> records = parse("a,,c\r\n,,\r\n");

        assertEquals(List.of("a", "", "c"), records.get(0).fields());
        assertEquals(List.of("", "", ""), records.get(1).fields());
    }

    @Test
    void blankLinesSkippedButQuotedEmptyKept() throws DatasetFormatException {
        List<CsvParser.CsvRecord> records = parse("a\n\n\"\"\n\nb\n");

        assertEquals(3, records.size());
        assertEquals(List.of(""), records.get(1).fields());
        assertEquals(5, records.get(2).line());
    }

    @Test
    void byteOrderMarkDropped() throws DatasetFormatException {
        List<CsvParser.CsvRecord> records = parse("\uFEFFgoal\nx\n");

        assertEquals("goal", records.get(0).fields().get(0));
    }

    @Test
    void quoteInsideUnquotedFieldKept() throws DatasetFormatException {
        List<CsvParser.CsvRecord> records = parse("5\" tall,x\n");

        assertEquals(List.of("5\" tall", "x"), records.get(0).fields());
    }

    @Test
    void textAfterClosingQuoteRejected() {
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> parse("a\n\"b\"c,d\n"));

        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("after the closing quote"), e.getMessage());
    }

    @Test
    void unterminatedQuoteReportsOpeningLine() {
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> parse("a\nb\n\"c\nd\ne"));

        assertEquals(3, e.line());
        assertTrue(e.getMessage().startsWith("test.csv, line 3: "), e.getMessage());
    }
}
