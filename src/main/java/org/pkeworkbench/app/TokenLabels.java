package org.pkeworkbench.app;

import java.util.List;

/** Formats decoded tokens for axis labels and hover text. */
final class TokenLabels {

    private TokenLabels() {}

    /** Returns {@code token} with line breaks and tabs written as escapes, so one label stays on one line. */
    static String display(String token) {
        if (token == null) {
            return "?";
        }
        return token.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
    }

    /** Returns the label of {@code position}, or its index when {@code texts} has no entry for it. */
    static String at(List<String> texts, int position) {
        if (texts == null || position >= texts.size()) {
            return "#" + position;
        }
        return display(texts.get(position));
    }
}
