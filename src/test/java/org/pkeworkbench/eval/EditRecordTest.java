package org.pkeworkbench.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EditRecordTest {

    @Test
    void withersReplaceOneField() {
        EditRecord record = new EditRecord("1", "p", null, null, "c");

        EditRecord filled = record.withSafe("s").withUnsafe("u");

        assertEquals(new EditRecord("1", "p", "s", "u", "c"), filled);
        assertTrue(filled.hasBothResponses());
    }

    @Test
    void defaultSafeFillsOnlyMissing() {
        EditRecord missing = EditRecord.ofPrompt("1", "p");
        EditRecord present = new EditRecord("2", "p", "own refusal", null, null);

        List<EditRecord> filled = EditRecordDefaults.withDefaultSafe(List.of(missing, present));

        assertEquals(EditRecordDefaults.DEFAULT_REFUSAL, filled.get(0).safe());
        assertSame(present, filled.get(1));
    }

    @Test
    void blankPromptRejected() {
        assertThrows(IllegalArgumentException.class, () -> EditRecord.ofPrompt("1", " "));
        assertThrows(IllegalArgumentException.class, () -> EditRecord.ofPrompt("", "p"));
    }
}
