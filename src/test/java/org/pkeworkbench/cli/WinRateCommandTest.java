package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.eval.AlpacaEvalLoader;
import org.pkeworkbench.eval.ReferencePrompt;
import org.pkeworkbench.eval.RougeL;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.testing.SharedFiles;

/** {@code win-rate} on the demo model against the real AlpacaEval files. */
class WinRateCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ALPACA_EVAL = SharedFiles.shared().resolve("data").resolve("alpaca_eval");
    private static final Path BASELINE = ALPACA_EVAL.resolve("model_outputs_text_davinci_003.json");
    private static final Path GOLD = ALPACA_EVAL.resolve("model_outputs_gpt4_1106_preview.json");
    private static final int MAX_NEW_TOKENS = 16;

    @TempDir
    Path temp;

    private static String demo() {
        return CliRun.assets().resolve("models").resolve("demo").toString();
    }

    private CliRun winRate(String... extra) {
        String[] base = {"win-rate", "--model", demo(), "--device", "cpu",
                "--max-new-tokens", Integer.toString(MAX_NEW_TOKENS)};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return CliRun.of(args);
    }

    private static void assertFails(CliRun run, String... fragments) {
        assertNotEquals(0, run.exitCode(), run::toString);
        for (String fragment : fragments) {
            assertTrue(run.err().toLowerCase(Locale.ROOT).contains(fragment.toLowerCase(Locale.ROOT)),
                    () -> "stderr should contain \"" + fragment + "\"\n" + run);
        }
    }

    /**
     * Each verdict must match ROUGE-L against the GPT-4 outputs, and each candidate response the
     * demo model's own greedy response to the instruction generated alone.
     */
    @Test
    void overlapJudgeOnDemoModel() throws IOException {
        Path out = temp.resolve("win-rate.json");

        CliRun run = winRate("--prompts", BASELINE.toString(), "--judge", "overlap",
                "--overlap-reference", GOLD.toString(), "--limit", "5", "--batch-size", "2", "--json", out.toString());

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("Win rate of demo against text_davinci_003: "), run.out());
        assertTrue(run.out().contains("5 comparisons"), run.out());
        assertTrue(run.out().contains("judge rouge-l-overlap"), run.out());

        JsonNode report = JSON.readTree(out.toFile());
        JsonNode comparisons = report.get("comparisons");
        assertEquals(5, comparisons.size());
        assertEquals(5, report.get("winRate").get("total").asInt());
        assertEquals(2, report.get("settings").get("batchSize").asInt());
        assertEquals("text_davinci_003", report.get("settings").get("baseline").asText());

        List<ReferencePrompt> baseline = AlpacaEvalLoader.load(BASELINE);
        List<ReferencePrompt> gold = AlpacaEvalLoader.load(GOLD);
        double score = 0.0;
        try (LanguageModel lm = LanguageModel.load(Path.of(demo()), Device.cpu())) {
            for (int i = 0; i < 5; i++) {
                JsonNode comparison = comparisons.get(i);
                String candidate = comparison.get("candidate").asText();
                assertEquals(baseline.get(i).prompt(), comparison.get("instruction").asText());
                assertEquals(baseline.get(i).reference(), comparison.get("baseline").asText());
                assertEquals(lm.generate(baseline.get(i).prompt(), false, MAX_NEW_TOKENS), candidate, "answer " + i);

                double candidateRouge = RougeL.f1(gold.get(i).reference(), candidate);
                double baselineRouge = RougeL.f1(gold.get(i).reference(), baseline.get(i).reference());
                String expected = verdict(candidateRouge, baselineRouge);
                assertEquals(expected, comparison.get("verdict").asText(), "verdict " + i);
                score += expected.equals("candidate") ? 1.0 : expected.equals("tie") ? 0.5 : 0.0;
            }
        }
        assertEquals(score / 5, report.get("winRate").get("rate").asDouble(), 1e-12);
    }

    @Test
    void modelJudgeOnDemoModel() throws IOException {
        Path out = temp.resolve("model-judge.json");

        CliRun run = winRate("--prompts", BASELINE.toString(), "--judge", "model", "--judge-model", demo(),
                "--limit", "3", "--json", out.toString());

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("3 comparisons"), run.out());
        JsonNode report = JSON.readTree(out.toFile());
        assertEquals("model:demo", report.get("settings").get("judge").asText());
        double sum = 0.0;
        for (JsonNode comparison : report.get("comparisons")) {
            double probability = comparison.get("probabilityCandidateBetter").asDouble();
            assertTrue(probability >= 0.0, comparison.toString());
            assertTrue(probability <= 1.0, comparison.toString());
            assertEquals(verdict(probability, 0.5), comparison.get("verdict").asText());
            sum += probability;
        }
        assertEquals(sum / 3, report.get("winRate").get("meanProbabilityCandidateBetter").asDouble(), 1e-12);
    }

    /** Returns the verdict when the candidate scores {@code candidate} and the baseline {@code baseline}. */
    private static String verdict(double candidate, double baseline) {
        if (candidate > baseline) {
            return "candidate";
        }
        if (candidate < baseline) {
            return "baseline";
        }
        return "tie";
    }

    @Test
    void missingPromptsFileNamesPath() {
        Path missing = temp.resolve("absent.json");

        CliRun run = winRate("--prompts", missing.toString(), "--judge", "overlap",
                "--overlap-reference", GOLD.toString());

        assertFails(run, missing.toString(), "does not exist");
        assertEquals(2, run.exitCode(), run::toString);
    }

    @Test
    void promptsWithoutOutputsRejected() {
        CliRun run = winRate("--prompts", ALPACA_EVAL.resolve("alpaca_eval_prompts_805.json").toString(),
                "--judge", "overlap", "--overlap-reference", GOLD.toString(), "--limit", "2");

        assertFails(run, "alpaca_eval_prompts_805.json", "record 0 has no \"output\"");
    }

    @Test
    void malformedPromptsNamesLine() throws IOException {
        Path bad = Files.writeString(temp.resolve("bad.json"), "[\n{\"instruction\": \"a\", \"output\": \"b\"},\n{}\n]");

        CliRun run = winRate("--prompts", bad.toString(), "--judge", "overlap", "--overlap-reference", GOLD.toString());

        assertFails(run, bad.toString() + ", line 3", "no \"instruction\"");
    }

    @Test
    void overlapReferenceMustCoverInstructions() throws IOException {
        Path other = Files.writeString(temp.resolve("other.json"), "[{\"instruction\": \"x\", \"output\": \"y\"}]");

        CliRun run = winRate("--prompts", BASELINE.toString(), "--judge", "overlap",
                "--overlap-reference", other.toString(), "--limit", "1");

        assertFails(run, other.toString(), "has no output for the instruction of record 0");
    }

    @Test
    void badOptionsRejected() {
        assertFails(winRate("--prompts", BASELINE.toString(), "--judge", "gpt4"), "--judge must be overlap or model");
        assertFails(winRate("--prompts", BASELINE.toString(), "--judge", "model"), "--judge-model");
        assertFails(winRate("--prompts", BASELINE.toString(), "--judge", "overlap"), "--overlap-reference");
        assertFails(winRate("--prompts", BASELINE.toString(), "--judge", "overlap", "--overlap-reference",
                GOLD.toString(), "--limit", "0"), "--limit must be at least 1");
        assertFails(winRate("--prompts", BASELINE.toString(), "--judge", "overlap", "--overlap-reference",
                GOLD.toString(), "--batch-size", "0"), "--batch-size must be at least 1");
        assertFails(winRate("--prompts", BASELINE.toString(), "--judge", "model", "--judge-model",
                temp.resolve("no-model").toString(), "--limit", "1"), "no-model");
        assertFails(winRate("--prompts", BASELINE.toString(), "--judge", "overlap", "--overlap-reference",
                BASELINE.toString()), "--overlap-reference is the same file as --prompts");
    }

    @Test
    void jsonInsideModelDirectoryRejected() throws IOException {
        Path model = CliRun.copyModel(Path.of(demo()), temp.resolve("model"));
        Path out = model.resolve("win-rate.json");

        CliRun run = CliRun.of("win-rate", "--model", model.toString(), "--device", "cpu", "--prompts",
                BASELINE.toString(), "--judge", "overlap", "--overlap-reference", GOLD.toString(), "--limit", "1",
                "--json", out.toString());

        assertFails(run, "inside the model directory");
        assertFalse(Files.exists(out));
    }

    @Test
    void existingJsonNeedsOverwrite() throws IOException {
        Path out = Files.writeString(temp.resolve("taken.json"), "{}");

        CliRun run = winRate("--prompts", BASELINE.toString(), "--judge", "overlap", "--overlap-reference",
                GOLD.toString(), "--limit", "1", "--json", out.toString());

        assertFails(run, "already exists", "--overwrite");
        assertEquals("{}", Files.readString(out));
    }
}
