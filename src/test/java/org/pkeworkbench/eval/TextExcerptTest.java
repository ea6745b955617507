package org.pkeworkbench.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TextExcerptTest {

    @Test
    void shortTextIsKept() {
        String text = "x".repeat(80);

        assertEquals(text, TextExcerpt.of(text));
    }

    @Test
    void longTextKeepsItsFirst77CharactersAndDots() {
        String text = "a".repeat(77) + "bcdef";

        assertEquals("a".repeat(77) + "...", TextExcerpt.of(text));
    }

    @Test
    void surrogatePairIsNotSplit() {
        String text = "a".repeat(76) + "\uD83D\uDE00" + "b".repeat(10);

        assertEquals("a".repeat(76) + "...", TextExcerpt.of(text));
    }
}
