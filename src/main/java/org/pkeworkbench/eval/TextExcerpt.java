package org.pkeworkbench.eval;

/** Short excerpts of prompts and instructions, so that an error message names its text in one line. */
final class TextExcerpt {

    /** Characters kept, the "..." included. */
    private static final int MAX_CHARS = 80;

    private TextExcerpt() {
    }

    /**
     * Returns {@code text} when it has at most 80 characters, else its first 77 (76 where the 77th
     * starts a surrogate pair) and "...".
     */
    static String of(String text) {
        if (text.length() <= MAX_CHARS) {
            return text;
        }
        int cut = MAX_CHARS - 3;
        if (Character.isHighSurrogate(text.charAt(cut - 1))) {
            cut--;
        }
        return text.substring(0, cut) + "...";
    }
}
