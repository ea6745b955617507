package org.pkeworkbench.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.eval.Preference.Label;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DemoModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.TokenLoss;
import org.pkeworkbench.testing.SharedFiles;

/** The model judge on the real demo model and engine. */
class ModelPairwiseJudgeTest {

    private static final String INSTRUCTION = "Tell me a short story about a cat.";
    private static final String FIRST = "Once upon a time a cat found a ball and played all day.";
    private static final String SECOND = "The dog ran to the park.";

    private static LanguageModel lm;

    @BeforeAll
    static void load() throws IOException {
        lm = LanguageModel.load(DemoModel.directory(), Device.cpu());
    }

    @AfterAll
    static void close() {
        lm.close();
    }

    @Test
    void identicalResponsesTie() {
        Preference preference = new ModelPairwiseJudge(lm, false).compare(INSTRUCTION, FIRST, FIRST);

        assertEquals(0.5, preference.probabilityA(), 1e-6);
        assertEquals(Label.TIE, preference.label());
    }

    @Test
    void swappingResponsesComplementsProbability() {
        ModelPairwiseJudge judge = new ModelPairwiseJudge(lm, false);

        Preference forward = judge.compare(INSTRUCTION, FIRST, SECOND);
        Preference swapped = judge.compare(INSTRUCTION, SECOND, FIRST);

        assertTrue(forward.probabilityA() >= 0.0, "probability " + forward.probabilityA());
        assertTrue(forward.probabilityA() <= 1.0, "probability " + forward.probabilityA());
        assertEquals(1.0, forward.probabilityA() + swapped.probabilityA(), 1e-6);
        assertEquals(forward.label() == Label.A ? Label.B : Label.A, swapped.label());
    }

    /**
     * Recomputes the judge's probability from one forward pass per letter spelling, without the
     * judge's padded batch: P(spelling | prompt) is the product of its token probabilities.
     */
    @Test
    void probabilityMatchesSeparateForwards() {
        for (boolean chat : new boolean[] {false, true}) {
            ModelPairwiseJudge judge = new ModelPairwiseJudge(lm, chat);

            double aFirst = firstIsBetter(judge.promptText(INSTRUCTION, FIRST, SECOND), chat);
            double aSecond = 1.0 - firstIsBetter(judge.promptText(INSTRUCTION, SECOND, FIRST), chat);
            double expected = (aFirst + aSecond) / 2.0;

            assertEquals(expected, judge.compare(INSTRUCTION, FIRST, SECOND).probabilityA(), 1e-5, "chat " + chat);
        }
    }

    @Test
    void promptEndsBeforeTheLetter() {
        String plain = new ModelPairwiseJudge(lm, false).promptText(INSTRUCTION, FIRST, SECOND);
        String chat = new ModelPairwiseJudge(lm, true).promptText(INSTRUCTION, FIRST, SECOND);

        assertTrue(plain.endsWith("The better response is"), plain);
        assertTrue(plain.contains("### Response A\n" + FIRST + "\n\n### Response B\n" + SECOND), plain);
        assertTrue(chat.endsWith("A if Response A is better, B if Response B is better."), chat);
    }

    @Test
    void longResponsesAreCutToFitContext() {
        ModelPairwiseJudge judge = new ModelPairwiseJudge(lm, false);
        String longResponse = (FIRST + " ").repeat(80);
        assertTrue(lm.responseIds(longResponse).length > lm.decoder().config().maxPositions(),
                "the response alone is longer than the context");

        Preference preference = judge.compare(INSTRUCTION, longResponse, SECOND);

        assertEquals(1, judge.truncatedResponses());
        assertTrue(preference.probabilityA() >= 0.0, "probability " + preference.probabilityA());
        assertTrue(preference.probabilityA() <= 1.0, "probability " + preference.probabilityA());
    }

    @Test
    void instructionLongerThanContextIsRejected() {
        ModelPairwiseJudge judge = new ModelPairwiseJudge(lm, false);
        String instruction = (INSTRUCTION + " ").repeat(100);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> judge.compare(instruction, FIRST, SECOND));

        assertTrue(e.getMessage().contains("leaving no room for the responses"), e.getMessage());
    }

    @Test
    void chatWithoutTemplateIsRejected() throws IOException {
        try (LanguageModel stories = LanguageModel.load(SharedFiles.stories260K(), Device.cpu())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new ModelPairwiseJudge(stories, true));

            assertTrue(e.getMessage().contains("no chat template"), e.getMessage());
        }
    }

    private static double firstIsBetter(String promptText, boolean chat) {
        long[] prompt = lm.promptIds(promptText, chat);
        double massA = 0.0;
        for (long[] spelling : spellings("A")) {
            massA += continuationProbability(prompt, spelling);
        }
        double massB = 0.0;
        for (long[] spelling : spellings("B")) {
            massB += continuationProbability(prompt, spelling);
        }
        return massA / (massA + massB);
    }

    private static List<long[]> spellings(String letter) {
        List<long[]> spellings = new ArrayList<>();
        for (String text : List.of(letter, " " + letter)) {
            long[] ids = lm.responseIds(text);
            if (spellings.stream().noneMatch(existing -> Arrays.equals(existing, ids))) {
                spellings.add(ids);
            }
        }
        return spellings;
    }

    private static double continuationProbability(long[] prompt, long[] continuation) {
        Autograd.disableOnThisThread();
        long[] sequence = new long[prompt.length + continuation.length];
        System.arraycopy(prompt, 0, sequence, 0, prompt.length);
        System.arraycopy(continuation, 0, sequence, prompt.length, continuation.length);
        try (NDManager scope = lm.decoder().manager().newSubManager()) {
            NDArray ids = scope.create(sequence).reshape(1, sequence.length);
            NDArray logits = lm.decoder().forward(scope, ids, ForwardOptions.create()).logits();
            float[] logProbs = TokenLoss.targetLogProbs(logits, ids, prompt.length).toFloatArray();
            double sum = 0.0;
            for (float logProb : logProbs) {
                sum += logProb;
            }
            return Math.exp(sum);
        }
    }
}
