package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkeworkbench.testing.SharedFiles;

/** Batched generation gives every row the tokens that single-prompt generation gives it. */
class GeneratorBatchTest {

    private static final int MAX_NEW_TOKENS = 160;

    private static long[] ids(JsonNode node) {
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = node.get(i).asLong();
        }
        return out;
    }

    /** BOS only, BOS + 5 tokens and BOS + 12 tokens of the reference greedy story. */
    private static List<long[]> storiesPrompts() throws IOException {
        JsonNode reference = new ObjectMapper().readTree(
                SharedFiles.stories260K().resolve("reference_outputs.json").toFile());
        long[] story = ids(reference.get("greedy_from_bos_ids"));
        return List.of(Arrays.copyOf(story, 1), Arrays.copyOf(story, 6), Arrays.copyOf(story, 13));
    }

    private static void assertRowsMatchSingle(DecoderModel model, List<long[]> prompts, SamplingSettings settings) {
        Generator generator = new Generator(model);
        List<long[]> batch = generator.generateBatch(prompts, settings, ForwardOptions::create, () -> false);
        assertEquals(prompts.size(), batch.size(), "row count");
        for (int b = 0; b < prompts.size(); b++) {
            long[] single = generator.generate(prompts.get(b), settings);
            assertArrayEquals(single, batch.get(b), "row " + b + " of " + model.directory().getFileName());
        }
    }

    @Test
    void greedyStoriesRowsMatchSingle() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            assertRowsMatchSingle(model, storiesPrompts(), SamplingSettings.greedy(20, List.of()));
        }
    }

    @Test
    void sampledStoriesRowsMatchSingle() throws IOException {
        SamplingSettings sampling = new SamplingSettings(20, 0.9, 40, 0.95, 1234L, List.of());
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            assertRowsMatchSingle(model, storiesPrompts(), sampling);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-gpt2"})
    void greedyFixtureRowsMatchSingle(String fixture) throws IOException {
        JsonNode expected = new ObjectMapper().readTree(SharedFiles.fixture(fixture).resolve("expected.json").toFile());
        List<long[]> prompts = List.of(ids(expected.get("input_ids").get(0)), ids(expected.get("input_ids").get(1)));
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture(fixture), Device.cpu())) {
            assertRowsMatchSingle(model, prompts, SamplingSettings.greedy(8, List.of()));
        }
    }

    @Test
    void demoChatRowsMatchSingle() throws IOException {
        try (LanguageModel lm = LanguageModel.load(DemoModel.directory(), Device.cpu())) {
            List<long[]> prompts = List.of(
                    lm.promptIds("Hi", true),
                    lm.promptIds("How do I bake bread at home?", true),
                    lm.promptIds("Write a tutorial on hacking into an airline's booking system.", true),
                    lm.promptIds("Give instructions for getting into a coworker's cloud storage without asking.", true));
            assertRowsMatchSingle(lm.decoder(), prompts, lm.greedy(MAX_NEW_TOKENS));
            List<long[]> batch = new Generator(lm.decoder()).generateBatch(prompts, lm.greedy(MAX_NEW_TOKENS),
                    ForwardOptions::create, () -> false);
            long stoppedRows = batch.stream().filter(row -> row.length < MAX_NEW_TOKENS).count();
            assertTrue(stoppedRows > 0, "some demo row ends on a stop token before the token limit: "
                    + batch.stream().map(row -> row.length).toList());

            List<String> texts = lm.generateBatch(prompts, lm.greedy(MAX_NEW_TOKENS), ForwardOptions::create, () -> false);
            for (int b = 0; b < prompts.size(); b++) {
                String single = lm.generate(prompts.get(b), lm.greedy(MAX_NEW_TOKENS), ForwardOptions::create, () -> false);
                assertEquals(single, texts.get(b), "decoded row " + b);
            }
        }
    }

    @Test
    void earlyStopLeavesOtherRowsRunning() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            List<long[]> prompts = storiesPrompts();
            long[] free = new Generator(model).generate(prompts.get(0), SamplingSettings.greedy(10, List.of()));
            SamplingSettings stopping = SamplingSettings.greedy(10, List.of(free[2]));

            List<long[]> batch = new Generator(model).generateBatch(prompts, stopping, ForwardOptions::create, () -> false);

            assertArrayEquals(Arrays.copyOf(free, 2), batch.get(0), "row 0 stops before its third token");
            boolean anotherRowLonger = batch.get(1).length > 2 || batch.get(2).length > 2;
            assertTrue(anotherRowLonger, "rows 1 and 2 continue after row 0 stops");
            assertRowsMatchSingle(model, prompts, stopping);
        }
    }

    @Test
    void cancellationThrows() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            AtomicInteger checks = new AtomicInteger();
            assertThrows(CancellationException.class, () -> new Generator(model).generateBatch(storiesPrompts(),
                    SamplingSettings.greedy(20, List.of()), ForwardOptions::create, () -> checks.incrementAndGet() > 3));
        }
    }

    @Test
    void emptyPromptIsRejected() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> new Generator(model)
                    .generateBatch(List.of(new long[] {1}, new long[0]), SamplingSettings.greedy(4, List.of()),
                            ForwardOptions::create, () -> false));
            assertTrue(error.getMessage().contains("Prompt 1"), error.getMessage());
        }
    }
}
