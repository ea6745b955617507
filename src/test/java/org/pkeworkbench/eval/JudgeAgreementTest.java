package org.pkeworkbench.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.testing.SharedFiles;

/** {@link ConfusionCounts}, {@link JailbreakArtifacts} and {@link JudgeAgreement} on constructed and real artifacts. */
class JudgeAgreementTest {

    /** Calls an attack successful when the response starts with "Sure". */
    private static final Judge SURE_JUDGE = new Judge() {
        @Override
        public Verdict judge(String prompt, String response) {
            return new Verdict(response.startsWith("Sure"), "starts with Sure");
        }

        @Override
        public String name() {
            return "sure";
        }
    };

    private static Path realArtifacts() {
        return SharedFiles.shared().resolve("data/jailbreakbench-artifacts/attack-artifacts");
    }

    @Test
    void metricsFromConfusionCountsByHand() {
        ConfusionCounts counts = new ConfusionCounts(3, 1, 4, 2);

        assertEquals(10, counts.total());
        assertEquals(0.7, counts.accuracy(), 1e-12);
        assertEquals(0.75, counts.precision(), 1e-12);
        assertEquals(0.6, counts.recall(), 1e-12);
        // 2PR / (P + R) = 2 * 0.75 * 0.6 / 1.35 = 2/3.
        assertEquals(2.0 / 3.0, counts.f1(), 1e-12);
        assertEquals(0.4, counts.judgedJailbrokenRate(), 1e-12);
        assertEquals(0.5, counts.labelJailbrokenRate(), 1e-12);
        assertEquals(0.7, counts.accuracyInterval().rate(), 1e-12);
    }

    @Test
    void undefinedMetricsAreNaN() {
        ConfusionCounts allNegative = new ConfusionCounts(0, 0, 5, 0);

        assertEquals(1.0, allNegative.accuracy());
        assertTrue(Double.isNaN(allNegative.precision()), "no predicted positives");
        assertTrue(Double.isNaN(allNegative.recall()), "no labelled positives");
        assertTrue(Double.isNaN(allNegative.f1()));
        assertTrue(Double.isNaN(ConfusionCounts.EMPTY.accuracy()));
        assertEquals(null, ConfusionCounts.EMPTY.accuracyInterval());
    }

    @Test
    void addCountsEachCell() {
        ConfusionCounts counts = ConfusionCounts.EMPTY
                .add(true, true)
                .add(true, false)
                .add(false, false)
                .add(false, false)
                .add(false, true);

        assertEquals(new ConfusionCounts(1, 1, 2, 1), counts);
        assertEquals(new ConfusionCounts(2, 2, 4, 2), counts.plus(counts));
    }

    private static void writeConstructedArtifacts(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("M/black_box"));
        Files.writeString(dir.resolve("M/attack-info.json"), "{\"models\": {}}");
        Files.writeString(dir.resolve("M/black_box/a.json"), """
                {"parameters": {"method": "M", "model": "model-a"},
                 "jailbreaks": [
                   {"index": 0, "goal": "g0", "prompt": "p0", "response": "Sure, here", "jailbroken": true},
                   {"index": 1, "goal": "g1", "prompt": "p1", "response": "Sure thing", "jailbroken": false},
                   {"index": 2, "goal": "g2", "prompt": null, "response": null, "jailbroken": false},
                   {"index": 3, "goal": "g3", "prompt": "p3", "response": "No.", "jailbroken": true},
                   {"index": 4, "goal": "g4", "prompt": "p4", "response": "No.", "jailbroken": false}
                 ]}
                """);
        Files.writeString(dir.resolve("M/black_box/b.json"), """
                {"parameters": {"method": "M", "model": "model-b"},
                 "jailbreaks": [
                   {"index": 0, "goal": "g0", "prompt": "p0", "response": "Sure", "jailbroken": true},
                   {"index": 1, "goal": "g1", "prompt": "p1", "response": "Sure", "jailbroken": true},
                   {"index": 2, "goal": "g2", "prompt": "p2", "response": "Sure"}
                 ]}
                """);
    }

    @Test
    void constructedArtifactsGiveHandCountedConfusion(@TempDir Path temp) throws IOException {
        writeConstructedArtifacts(temp);

        List<JailbreakArtifact> artifacts = JailbreakArtifacts.load(temp, JailbreakArtifacts.DEFAULT_LABEL_FIELD);
        AgreementReport report = JudgeAgreement.measure(SURE_JUDGE, artifacts, JudgeInput.PROMPT, 0,
                ProgressListener.NONE);

        assertEquals(2, artifacts.size(), "attack-info.json has no jailbreaks and is ignored");
        assertEquals("M/black_box/a.json", artifacts.get(0).file());
        assertEquals("model-a", artifacts.get(0).targetModel());
        assertEquals("M", artifacts.get(0).method());

        FileAgreement a = report.files().get(0);
        assertEquals(new ConfusionCounts(1, 1, 1, 1), a.counts());
        assertEquals(1, a.skippedRows(), "the row with a null prompt and response");

        FileAgreement b = report.files().get(1);
        assertEquals(new ConfusionCounts(2, 0, 0, 0), b.counts());
        assertEquals(1, b.skippedRows(), "the row without a label");

        assertEquals(new ConfusionCounts(3, 1, 1, 1), report.overall());
        assertEquals(2, report.skippedRows());
        assertEquals(4.0 / 6.0, report.overall().accuracy(), 1e-12);
        assertEquals(0.75, report.overall().precision(), 1e-12);
        assertEquals(0.75, report.overall().recall(), 1e-12);
        assertEquals("sure", report.judge());
    }

    @Test
    void limitCountsJudgedRowsPerFile(@TempDir Path temp) throws IOException {
        writeConstructedArtifacts(temp);
        List<JailbreakArtifact> artifacts = JailbreakArtifacts.load(temp, JailbreakArtifacts.DEFAULT_LABEL_FIELD);
        List<String> prompts = new ArrayList<>();
        Judge recording = (prompt, response) -> {
            prompts.add(prompt);
            return new Verdict(false, "never");
        };

        AgreementReport report = JudgeAgreement.measure(recording, artifacts, JudgeInput.GOAL, 3,
                ProgressListener.NONE);

        assertEquals(3, report.files().get(0).counts().total());
        assertEquals(1, report.files().get(0).skippedRows(), "row 2 lies before the third judged row");
        assertEquals(2, report.files().get(1).counts().total(), "file b has only two labelled rows");
        assertEquals(List.of("g0", "g1", "g3", "g0", "g1"), prompts, "the judge receives the goals");
    }

    @Test
    void missingLabelFieldIsRejected(@TempDir Path temp) throws IOException {
        writeConstructedArtifacts(temp);

        DatasetFormatException error = assertThrows(DatasetFormatException.class,
                () -> JailbreakArtifacts.load(temp, "jailbroken_llama_guard1"));

        assertTrue(error.getMessage().contains("no jailbreaks entry in its 2 artifact files has the label field "
                + "\"jailbroken_llama_guard1\"; boolean fields found: jailbroken"), error.getMessage());
        assertTrue(error.getMessage().contains("--label-field"), error.getMessage());
    }

    @Test
    void otherLabelFieldIsRead(@TempDir Path temp) throws IOException {
        writeConstructedArtifacts(temp);
        Path b = temp.resolve("M/black_box/b.json");
        Files.writeString(b, Files.readString(b).replace("\"response\": \"Sure\"}", "\"response\": \"Sure\", "
                + "\"jailbroken_llama_guard1\": false}"));

        List<JailbreakArtifact> artifacts = JailbreakArtifacts.load(temp, "jailbroken_llama_guard1");
        AgreementReport report = JudgeAgreement.measure(SURE_JUDGE, artifacts, JudgeInput.PROMPT, 0,
                ProgressListener.NONE);

        assertEquals(new ConfusionCounts(0, 1, 0, 0), report.overall(), "one row has that field, judged jailbroken");
        assertEquals(7, report.skippedRows());
        assertEquals("jailbroken_llama_guard1", report.labelField());
    }

    @Test
    void prefixJudgeOnRealArtifacts() throws IOException {
        List<JailbreakArtifact> artifacts = JailbreakArtifacts.load(realArtifacts(),
                JailbreakArtifacts.DEFAULT_LABEL_FIELD);
        List<int[]> progress = new ArrayList<>();

        AgreementReport report = JudgeAgreement.measure(RefusalPrefixJudge.gcgDefault(), artifacts, JudgeInput.PROMPT,
                0, (done, total) -> progress.add(new int[] {done, total}));

        assertEquals(18, artifacts.size(), "5 methods: DSN 2, GCG 4, JBC 4, PAIR 4, random search 4");
        assertEquals(19, progress.size(), "0 then once per file");
        int rows = 0;
        ConfusionCounts sum = ConfusionCounts.EMPTY;
        int skipped = 0;
        for (int i = 0; i < artifacts.size(); i++) {
            FileAgreement file = report.files().get(i);
            assertEquals(artifacts.get(i).file(), file.file());
            assertEquals(artifacts.get(i).rows().size(), file.counts().total() + file.skippedRows(), file.file());
            rows += artifacts.get(i).rows().size();
            sum = sum.plus(file.counts());
            skipped += file.skippedRows();
            assertMetricsInRange(file.counts(), file.file());
        }
        assertEquals(1800, rows);
        assertEquals(sum, report.overall());
        assertEquals(skipped, report.skippedRows());
        assertEquals(13 + 36 + 96 + 18, report.skippedRows(), "PAIR rows with null prompt and response");
        assertEquals(1800 - report.skippedRows(), report.overall().total());
        assertMetricsInRange(report.overall(), "overall");
    }

    private static void assertMetricsInRange(ConfusionCounts counts, String where) {
        for (double value : new double[] {counts.accuracy(), counts.precision(), counts.recall(), counts.f1()}) {
            assertTrue(Double.isNaN(value) || (value >= 0.0 && value <= 1.0), where + ": " + value);
        }
    }

    @Test
    void missingFolderIsNamed(@TempDir Path temp) {
        Path missing = temp.resolve("no-such-folder");

        NoSuchFileException error = assertThrows(NoSuchFileException.class,
                () -> JailbreakArtifacts.load(missing, JailbreakArtifacts.DEFAULT_LABEL_FIELD));

        assertTrue(error.getMessage().contains(missing.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("attack-artifacts"), error.getMessage());
    }

    @Test
    void folderWithoutArtifactsIsRejected(@TempDir Path temp) throws IOException {
        Files.writeString(temp.resolve("attack-info.json"), "{\"models\": {}}");

        DatasetFormatException error = assertThrows(DatasetFormatException.class,
                () -> JailbreakArtifacts.load(temp, JailbreakArtifacts.DEFAULT_LABEL_FIELD));

        assertTrue(error.getMessage().contains(temp.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("jailbreaks"), error.getMessage());
    }

    @Test
    void invalidJsonNamesFileAndLine(@TempDir Path temp) throws IOException {
        Path broken = temp.resolve("broken.json");
        Files.writeString(broken, "{\"jailbreaks\": [\n  {\"prompt\": }\n]}");

        DatasetFormatException error = assertThrows(DatasetFormatException.class,
                () -> JailbreakArtifacts.load(temp, JailbreakArtifacts.DEFAULT_LABEL_FIELD));

        assertTrue(error.getMessage().contains(broken.toString()), error.getMessage());
        assertEquals(2, error.line());
    }

    @Test
    void nonBooleanLabelNamesFileAndEntry(@TempDir Path temp) throws IOException {
        Path file = temp.resolve("labels.json");
        Files.writeString(file, "{\"jailbreaks\": [{\"prompt\": \"p\", \"response\": \"r\", \"jailbroken\": \"yes\"}]}");

        DatasetFormatException error = assertThrows(DatasetFormatException.class,
                () -> JailbreakArtifacts.load(temp, JailbreakArtifacts.DEFAULT_LABEL_FIELD));

        assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("not true, false or null"), error.getMessage());
    }
}
