package org.pkeworkbench.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.regex.Pattern;

/** Turns Jackson's parse errors into short messages for users. */
public final class JsonErrors {

    /** Jackson's location text when source text in locations is disabled, its default; group 1 is the position. */
    private static final Pattern HIDDEN_SOURCE = Pattern.compile("\\[Source: REDACTED \\([^)]*\\); ([^\\]]*)\\]");

    private JsonErrors() {}

    /**
     * Returns what went wrong without the location Jackson appends and without its note about the
     * hidden source, for example "Unexpected end-of-input: expected close marker for Object (start
     * marker at line: 1, column: 1)". Callers add the file and line themselves.
     */
    public static String describe(JsonProcessingException error) {
        String message = error.getOriginalMessage();
        return message == null ? error.getClass().getSimpleName() : HIDDEN_SOURCE.matcher(message).replaceAll("$1");
    }
}
