package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class WordDiffTest {

    private static List<String> changed(List<WordDiff.Word> words) {
        return words.stream().filter(WordDiff.Word::changed).map(WordDiff.Word::text).toList();
    }

    @Test
    void marksWordsOutsideTheCommonSubsequence() {
        WordDiff.Result diff = WordDiff.of("Sure, here is how to steal a car", "I cannot help steal a car");

        assertEquals(List.of("Sure,", "here", "is", "how", "to"), changed(diff.left()));
        assertEquals(List.of("I", "cannot", "help"), changed(diff.right()));
        assertEquals(8, diff.left().size(), "every word of the left text is kept in order");
        assertEquals(6, diff.right().size());
        assertTrue(diff.differs());
    }

    @Test
    void equalTextsAndWhitespaceDifferencesDoNotDiffer() {
        assertFalse(WordDiff.of("a  b\nc", " a b c ").differs());
        assertEquals(0, WordDiff.of("", "").left().size());
        assertEquals(List.of("x"), changed(WordDiff.of("", "x").right()));
    }
}
