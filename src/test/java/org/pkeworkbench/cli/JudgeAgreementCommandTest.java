package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.testing.SharedFiles;

/** {@code judge-agreement} end to end with the refusal-prefix judge on the real artifacts, and its input checks. */
class JudgeAgreementCommandTest {

    private static final int ARTIFACT_FILES = 18;

    private static String artifacts() {
        return SharedFiles.shared().resolve("data/jailbreakbench-artifacts/attack-artifacts").toString();
    }

    @Test
    void prefixJudgeWithLimit(@TempDir Path temp) throws IOException {
        Path json = temp.resolve("agreement.json");
        Path csv = temp.resolve("agreement.csv");

        CliRun run = CliRun.of("judge-agreement", "--artifacts", artifacts(), "--judge", "prefix", "--limit", "5",
                "--json", json.toString(), "--csv", csv.toString());

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("Judge: refusal-prefix"), run.out());
        assertTrue(run.out().contains("PAIR/black_box/vicuna-13b-v1.5.json"), run.out());
        assertTrue(run.out().contains("Overall accuracy"), run.out());

        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertEquals(5, report.get("limit_per_file").asInt());
        JsonNode judge = report.get("judges").get(0);
        assertEquals("prompt", judge.get("input").asText());
        JsonNode files = judge.get("files");
        assertEquals(ARTIFACT_FILES, files.size());
        int judged = 0;
        for (JsonNode file : files) {
            int n = file.get("counts").get("n").asInt();
            assertTrue(n <= 5, file.get("file").asText());
            judged += n;
        }
        JsonNode overall = judge.get("overall");
        assertEquals(judged, overall.get("n").asInt());
        assertEquals(judged, overall.get("true_positives").asInt() + overall.get("false_positives").asInt()
                + overall.get("true_negatives").asInt() + overall.get("false_negatives").asInt());
        double accuracy = overall.get("accuracy").asDouble();
        assertTrue(accuracy >= 0, "accuracy " + accuracy);
        assertTrue(accuracy <= 1, "accuracy " + accuracy);

        List<String> lines = Files.readAllLines(csv);
        assertTrue(lines.get(0).startsWith("judge,input,label_field,file,"), lines.get(0));
        assertEquals(1 + ARTIFACT_FILES + 1, lines.size(), "a header, one row per file and one overall row");
        assertTrue(lines.get(lines.size() - 1).contains(",ALL,"), lines.get(lines.size() - 1));
    }

    @Test
    void guardJudgeOnDemoModelRuns(@TempDir Path temp) throws IOException {
        Path json = temp.resolve("agreement.json");
        String demo = CliRun.assets().resolve("models/demo").toString();

        CliRun run = CliRun.of("judge-agreement", "--artifacts", artifacts(), "--judge", "prefix", "--judge", "guard",
                "--guard-model", demo, "--input", "goal", "--limit", "1", "--device", "cpu", "--threads", "1",
                "--json", json.toString());

        assertEquals(0, run.exitCode(), run::toString);
        JsonNode judges = new ObjectMapper().readTree(json.toFile()).get("judges");
        assertEquals(2, judges.size());
        assertEquals("goal", judges.get(1).get("input").asText());
        assertTrue(judges.get(1).get("judge").asText().startsWith("guard-model (demo, built_in,"),
                judges.get(1).get("judge").asText());
        for (JsonNode file : judges.get(1).get("files")) {
            assertTrue(file.get("counts").get("n").asInt() <= 1, file.get("file").asText());
        }
        int judged = judges.get(1).get("overall").get("n").asInt();
        assertEquals(judges.get(0).get("overall").get("n").asInt(), judged, "both judges see the same rows");
    }

    @Test
    void zeroThreadsIsUsageError() {
        CliRun run = CliRun.of("judge-agreement", "--artifacts", artifacts(), "--judge", "guard", "--threads", "0");

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("Invalid value for option '--threads': the thread count must be at least 1, got 0"), run::toString);
    }

    @Test
    void missingArtifactsFolderIsNamed(@TempDir Path temp) {
        Path missing = temp.resolve("no-artifacts");

        CliRun run = CliRun.of("judge-agreement", "--artifacts", missing.toString());

        assertNotEquals(0, run.exitCode());
        assertTrue(run.err().contains(missing.toString()), run.err());
        assertTrue(run.err().contains("does not exist"), run.err());
        assertTrue(run.err().contains("attack-artifacts"), run.err());
    }

    @Test
    void guardJudgeNeedsGuardModel() {
        CliRun run = CliRun.of("judge-agreement", "--artifacts", artifacts(), "--judge", "guard");

        assertNotEquals(0, run.exitCode());
        assertTrue(run.err().contains("--guard-model"), run.err());
    }

    @Test
    void missingGuardModelFolderIsNamed(@TempDir Path temp) {
        Path missing = temp.resolve("no-guard");

        CliRun run = CliRun.of("judge-agreement", "--artifacts", artifacts(), "--judge", "guard",
                "--guard-model", missing.toString());

        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("'--guard-model': " + missing + " does not exist"), run.err());
        assertTrue(run.err().contains("config.json"), run.err());
    }

    @Test
    void causalModelAsClassifierIsRejected() {
        Path causal = SharedFiles.fixture("tiny-llama3");

        CliRun run = CliRun.of("judge-agreement", "--artifacts", artifacts(), "--judge", "classifier",
                "--classifier-model", causal.toString(), "--device", "cpu");

        assertNotEquals(0, run.exitCode());
        assertTrue(run.err().contains("ForSequenceClassification"), run.err());
        assertTrue(run.err().contains(causal.toString()), run.err());
    }

    @Test
    void unknownJudgeIsRejected() {
        CliRun run = CliRun.of("judge-agreement", "--artifacts", artifacts(), "--judge", "oracle");

        assertNotEquals(0, run.exitCode());
        assertTrue(run.err().contains("prefix, guard or classifier"), run.err());
        assertTrue(run.err().contains("oracle"), run.err());
    }

    @Test
    void existingOutputIsKept(@TempDir Path temp) throws IOException {
        Path json = temp.resolve("agreement.json");
        Files.writeString(json, "keep");

        CliRun run = CliRun.of("judge-agreement", "--artifacts", artifacts(), "--limit", "1", "--json", json.toString());

        assertNotEquals(0, run.exitCode());
        assertTrue(run.err().contains("already exists"), run.err());
        assertEquals("keep", Files.readString(json));
        assertFalse(run.out().contains("Judge:"), "no work before the output check");
    }
}
