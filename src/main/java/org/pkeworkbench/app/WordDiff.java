package org.pkeworkbench.app;

import java.util.ArrayList;
import java.util.List;

/**
 * A word-level diff of two texts: words split on whitespace, matched by their longest common
 * subsequence. Each side keeps its own words in order, each marked as shared with the other side
 * or not.
 */
final class WordDiff {

    /** One word of one side and whether the other side has it at the matching place. */
    record Word(String text, boolean changed) {}

    /** The two sides of a diff: the first text's words and the second text's words. */
    record Result(List<Word> left, List<Word> right) {

        /** True when at least one word differs. */
        boolean differs() {
            return left.stream().anyMatch(Word::changed) || right.stream().anyMatch(Word::changed);
        }
    }

    private WordDiff() {}

    /** Diffs {@code left} against {@code right}. Quadratic in the word counts, fine for generated responses. */
    static Result of(String left, String right) {
        String[] a = words(left);
        String[] b = words(right);

        // common[i][j]: length of the longest common subsequence of a[i..] and b[j..].
        int[][] common = new int[a.length + 1][b.length + 1];
        for (int i = a.length - 1; i >= 0; i--) {
            for (int j = b.length - 1; j >= 0; j--) {
                common[i][j] = a[i].equals(b[j]) ? common[i + 1][j + 1] + 1
                        : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }

        List<Word> leftWords = new ArrayList<>();
        List<Word> rightWords = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.length && j < b.length) {
            if (a[i].equals(b[j])) {
                leftWords.add(new Word(a[i++], false));
                rightWords.add(new Word(b[j++], false));
            } else if (common[i + 1][j] >= common[i][j + 1]) {
                leftWords.add(new Word(a[i++], true));
            } else {
                rightWords.add(new Word(b[j++], true));
            }
        }
        while (i < a.length) {
            leftWords.add(new Word(a[i++], true));
        }
        while (j < b.length) {
            rightWords.add(new Word(b[j++], true));
        }
        return new Result(leftWords, rightWords);
    }

    private static String[] words(String text) {
        String trimmed = text.strip();
        return trimmed.isEmpty() ? new String[0] : trimmed.split("\\s+");
    }
}
