package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JsonErrorsTest {

    @Test
    void dropsHiddenSourceNote() {
        JsonProcessingException error = assertThrows(JsonProcessingException.class,
                () -> new ObjectMapper().readTree("{\"prompt\": \"x\""));
        assertEquals("Unexpected end-of-input: expected close marker for Object (start marker at line: 1, column: 1)",
                JsonErrors.describe(error));
    }
}
