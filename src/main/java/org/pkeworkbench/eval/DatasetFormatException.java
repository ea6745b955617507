package org.pkeworkbench.eval;

import java.io.IOException;

/**
 * A dataset file that cannot be read as any supported format. The message names the file, the
 * line (or the record index, where no line is known), what is wrong and what to do.
 */
public class DatasetFormatException extends IOException {

    /** Value of {@link #line()} when no line number is known. */
    public static final int NO_LINE = -1;

    private final String source;
    private final int line;

    /**
     * Creates an exception for a problem at one line.
     *
     * @param source the file name or resource name
     * @param line the one-based line number, or {@link #NO_LINE}
     * @param problem what is wrong, as a sentence without a trailing period
     * @param fix what the user should do, as a sentence without a trailing period
     */
    public DatasetFormatException(String source, int line, String problem, String fix) {
        this(source, line, problem, fix, null);
    }

    /** Creates an exception for a problem at one line, keeping the parser error as the cause. */
    public DatasetFormatException(String source, int line, String problem, String fix, Throwable cause) {
        super(formatMessage(source, line, problem, fix), cause);
        this.source = source;
        this.line = line;
    }

    /** Returns the file name or resource name. */
    public String source() {
        return source;
    }

    /** Returns the one-based line number, or {@link #NO_LINE}. */
    public int line() {
        return line;
    }

    private static String formatMessage(String source, int line, String problem, String fix) {
        String where = line == NO_LINE ? source : source + ", line " + line;
        return where + ": " + problem + ". " + fix + ".";
    }
}
