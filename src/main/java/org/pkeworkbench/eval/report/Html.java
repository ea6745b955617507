package org.pkeworkbench.eval.report;

import java.util.Locale;

/**
 * Text helpers for the generated pages. The pages are written as well-formed XHTML-style markup, so
 * every text goes through {@link #escape} and characters that XML 1.0 forbids are replaced.
 */
final class Html {

    /** Texts longer than this many characters are shortened in tables, with the full text in a {@code <details>}. */
    static final int SHORT_TEXT_CHARS = 160;

    private Html() {}

    /**
     * Escapes {@code &}, {@code <}, {@code >} and both quote characters, and replaces control characters
     * other than tab, line feed and carriage return with U+FFFD (XML 1.0 does not allow them).
     */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    boolean forbidden = (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0xFFFE || c == 0xFFFF;
                    out.append(forbidden ? '\uFFFD' : c);
                }
            }
        }
        return out.toString();
    }

    /**
     * Returns escaped markup for {@code text}: the text itself when short, otherwise its first
     * {@link #SHORT_TEXT_CHARS} characters with a visible "more" marker, and the full text in a
     * {@code <details>} element.
     */
    static String shortened(String text) {
        if (text == null) {
            return "";
        }
        if (text.length() <= SHORT_TEXT_CHARS) {
            return "<span class=\"text\">" + escape(text) + "</span>";
        }
        int cut = SHORT_TEXT_CHARS;
        if (Character.isHighSurrogate(text.charAt(cut - 1))) {
            cut--;
        }
        return "<details><summary><span class=\"text\">" + escape(text.substring(0, cut)) + "</span>"
                + "<span class=\"more\"> \u2026 (+" + (text.length() - cut) + " characters, click for the full text)"
                + "</span></summary><div class=\"text full\">" + escape(text) + "</div></details>";
    }

    /** Formats a proportion in [0, 1] as a percentage with one decimal, such as {@code 85.0%}. */
    static String percent(double rate) {
        return Double.isNaN(rate) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", rate * 100);
    }

    /** Formats a number with up to four significant decimals, integers without a decimal point. */
    static String number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "n/a";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return String.format(Locale.ROOT, "%d", (long) value);
        }
        if (Math.abs(value) >= 1000) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.4g", value);
    }

    /** Formats an SVG coordinate or length in pixels with two decimals. */
    static String px(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }
}
