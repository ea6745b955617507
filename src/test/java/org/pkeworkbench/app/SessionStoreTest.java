package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.io.ModelFingerprint;
import org.pkeworkbench.trace.TopToken;

/** The session project layout on disk: round trip, atomic replace, and clear errors for bad projects. */
class SessionStoreTest {

    private static SessionFile sampleSession(String locateFile, List<SessionFile.HistoryEntry> applied,
            List<SessionFile.HistoryEntry> undone) {
        EditSummary summary = new EditSummary(new Proportion(3, 4), new Proportion(1, 4), new Proportion(0, 4),
                new Proportion(1, 4), 1.0, 0.8125, 3, 2.5);
        ModelComparison comparison = new ModelComparison("Explain how to steal a car",
                new ModelComparison.Response("Sure, first", List.of(new TopToken(7, "Sure", 0.625))),
                new ModelComparison.Response("I cannot", List.of(new TopToken(9, "I", 0.5))), List.of("PKE #1"));
        return new SessionFile(SessionFile.FORMAT, SessionFile.FORMAT_VERSION, "2026-01-01T00:00:00Z",
                new SessionFile.ModelEntry("/models/demo", "demo", "LlamaForCausalLM",
                        new ModelFingerprint(ModelFingerprint.METHOD, "ab12")),
                new SessionFile.DatasetEntry("/data/edit.jsonl", "00ff"), null, CoreBackend.Settings.defaults(),
                locateFile, List.of(new HotSpot(3, List.of(5, 1))), applied, undone, 2, summary, comparison);
    }

    private static LocateResult sampleLocate() {
        float[][] scores = {{0.5f, Float.NaN}, {0.25f, 1.0f}};
        return new LocateResult(new double[] {0.1, 0.2}, new double[] {1, 2}, new double[] {-0.5, Double.NaN},
                new double[] {0.3, 0.7}, scores, List.of(new HotSpot(1, List.of(1))), new float[][] {{1, 2}, {3, 4}},
                new float[][] {{5, 6}, {7, 8}});
    }

    private static Map<String, SessionStore.FileWriter> oneDelta(String content) {
        Map<String, SessionStore.FileWriter> files = new LinkedHashMap<>();
        files.put("deltas/edit-001.safetensors", target -> Files.writeString(target, content));
        return files;
    }

    private static final List<SessionFile.HistoryEntry> ONE_APPLIED = List.of(
            new SessionFile.HistoryEntry("PKE #1", "deltas/edit-001.safetensors", null, null));

    @Test
    void roundTripKeepsEveryField(@TempDir Path temp) throws IOException {
        Path project = temp.resolve("a.pkeproj");
        SessionFile session = sampleSession(SessionStore.LOCATE_JSON, ONE_APPLIED, List.of());
        LocateResult locate = sampleLocate();

        SessionStore.write(project, session, locate, oneDelta("delta"), ProgressListener.NONE);

        assertEquals(session, SessionStore.read(project));
        assertEquals("delta", Files.readString(project.resolve("deltas/edit-001.safetensors")));
        LocateResult read = SessionStore.readLocate(project, session);
        assertArrayEquals(locate.layerScore(), read.layerScore());
        assertArrayEquals(locate.logitLensMargin(), read.logitLensMargin(), "NaN survives the round trip");
        assertArrayEquals(locate.neuronScores()[0], read.neuronScores()[0]);
        assertArrayEquals(locate.neuronGradientMagnitude()[1], read.neuronGradientMagnitude()[1]);
        assertEquals(locate.suggested(), read.suggested());
    }

    @Test
    void sessionWithoutLocateReadsNull(@TempDir Path temp) throws IOException {
        Path project = temp.resolve("b.pkeproj");
        SessionFile session = sampleSession(null, List.of(), List.of());
        SessionStore.write(project, session, null, Map.of(), ProgressListener.NONE);

        assertNull(SessionStore.readLocate(project, SessionStore.read(project)));
        assertFalse(Files.exists(project.resolve(SessionStore.LOCATE_JSON)));
    }

    @Test
    void saveReplacesEarlierProject(@TempDir Path temp) throws IOException {
        Path project = temp.resolve("c.pkeproj");
        SessionStore.write(project, sampleSession(null, ONE_APPLIED, List.of()), null, oneDelta("first"),
                ProgressListener.NONE);
        SessionStore.write(project, sampleSession(null, List.of(), List.of()), null, Map.of(), ProgressListener.NONE);

        assertEquals(List.of(), SessionStore.read(project).applied());
        assertFalse(Files.exists(project.resolve("deltas")), "files of the earlier save are gone");
        assertEquals(List.of(project), list(temp), "no temporary directories are left");
    }

    @Test
    void cancelledSaveKeepsEarlierProject(@TempDir Path temp) throws IOException {
        Path project = temp.resolve("d.pkeproj");
        SessionStore.write(project, sampleSession(null, ONE_APPLIED, List.of()), null, oneDelta("first"),
                ProgressListener.NONE);
        String before = Files.readString(project.resolve(SessionStore.SESSION_JSON));
        ProgressListener cancelled = new ProgressListener() {
            @Override
            public void update(double fraction, String message) {}

            @Override
            public boolean isCancelled() {
                return true;
            }
        };

        assertThrows(CancellationException.class, () -> SessionStore.write(project,
                sampleSession(null, List.of(), List.of()), null, Map.of(), cancelled));

        assertEquals(before, Files.readString(project.resolve(SessionStore.SESSION_JSON)));
        assertEquals("first", Files.readString(project.resolve("deltas/edit-001.safetensors")));
        assertEquals(List.of(project), list(temp), "the temporary directory is removed");
    }

    @Test
    void failedFileWriteKeepsEarlierProject(@TempDir Path temp) throws IOException {
        Path project = temp.resolve("e.pkeproj");
        SessionStore.write(project, sampleSession(null, List.of(), List.of()), null, Map.of(), ProgressListener.NONE);
        String before = Files.readString(project.resolve(SessionStore.SESSION_JSON));
        Map<String, SessionStore.FileWriter> failing = new LinkedHashMap<>();
        failing.put("deltas/edit-001.safetensors", target -> {
            throw new IOException("disk full");
        });

        IOException error = assertThrows(IOException.class, () -> SessionStore.write(project,
                sampleSession(null, ONE_APPLIED, List.of()), null, failing, ProgressListener.NONE));

        assertEquals("disk full", error.getMessage());
        assertEquals(before, Files.readString(project.resolve(SessionStore.SESSION_JSON)));
        assertEquals(List.of(project), list(temp));
    }

    @Test
    void saveOverForeignDirectoryRejected(@TempDir Path temp) throws IOException {
        Path project = temp.resolve("photos.pkeproj");
        Files.createDirectories(project);
        Files.writeString(project.resolve("holiday.jpg"), "not a session");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> SessionStore.write(project,
                sampleSession(null, List.of(), List.of()), null, Map.of(), ProgressListener.NONE));

        assertTrue(error.getMessage().contains(project.toString()), error.getMessage());
        assertTrue(Files.exists(project.resolve("holiday.jpg")));
    }

    @Test
    void invalidJsonNamesFile(@TempDir Path temp) throws IOException {
        Path project = Files.createDirectories(temp.resolve("bad.pkeproj"));
        Files.writeString(project.resolve(SessionStore.SESSION_JSON), "{\"format\": \"pke-workbench-session\",");

        SessionFormatException error = assertThrows(SessionFormatException.class, () -> SessionStore.read(project));

        assertTrue(error.getMessage().contains(project.resolve(SessionStore.SESSION_JSON).toString()), error.getMessage());
        assertTrue(error.getMessage().contains("not valid JSON"), error.getMessage());
    }

    @Test
    void foreignFormatRejected(@TempDir Path temp) throws IOException {
        Path project = Files.createDirectories(temp.resolve("other.pkeproj"));
        Files.writeString(project.resolve(SessionStore.SESSION_JSON), "{\"format\": \"notebook\", \"cells\": []}");

        SessionFormatException error = assertThrows(SessionFormatException.class, () -> SessionStore.read(project));

        assertTrue(error.getMessage().contains("\"notebook\""), error.getMessage());
        assertTrue(error.getMessage().contains("not a workbench session"), error.getMessage());
    }

    @Test
    void newerFormatVersionRejected(@TempDir Path temp) throws IOException {
        Path project = temp.resolve("future.pkeproj");
        SessionStore.write(project, sampleSession(null, List.of(), List.of()), null, Map.of(), ProgressListener.NONE);
        Path file = project.resolve(SessionStore.SESSION_JSON);
        Files.writeString(file, Files.readString(file).replace("\"format_version\" : 1", "\"format_version\" : 2"));

        SessionFormatException error = assertThrows(SessionFormatException.class, () -> SessionStore.read(project));

        assertTrue(error.getMessage().contains("format version 2"), error.getMessage());
        assertTrue(error.getMessage().contains("newer PKE Workbench"), error.getMessage());
    }

    @Test
    void missingDeltaNamesFile(@TempDir Path temp) throws IOException {
        Path project = temp.resolve("partial.pkeproj");
        SessionStore.write(project, sampleSession(null, ONE_APPLIED, List.of()), null, oneDelta("x"),
                ProgressListener.NONE);
        Files.delete(project.resolve("deltas/edit-001.safetensors"));

        SessionFormatException error = assertThrows(SessionFormatException.class, () -> SessionStore.read(project));

        assertTrue(error.getMessage().contains("edit-001.safetensors"), error.getMessage());
        assertTrue(error.getMessage().contains("PKE #1"), error.getMessage());
    }

    @Test
    void pathOutsideProjectRejected(@TempDir Path temp) throws IOException {
        Path project = temp.resolve("escape.pkeproj");
        List<SessionFile.HistoryEntry> escaping = List.of(
                new SessionFile.HistoryEntry("PKE #1", "../outside.safetensors", null, null));
        Files.writeString(temp.resolve("outside.safetensors"), "x");
        SessionStore.write(project, sampleSession(null, escaping, List.of()), null, Map.of(), ProgressListener.NONE);

        SessionFormatException error = assertThrows(SessionFormatException.class, () -> SessionStore.read(project));

        assertTrue(error.getMessage().contains("outside the project"), error.getMessage());
    }

    @Test
    void directoryWithoutSessionRejected(@TempDir Path temp) throws IOException {
        SessionFormatException error = assertThrows(SessionFormatException.class, () -> SessionStore.read(temp));

        assertTrue(error.getMessage().contains(temp.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("no session.json"), error.getMessage());
    }

    @Test
    void projectDirectoryAddsExtension(@TempDir Path temp) {
        assertEquals(temp.resolve("run.pkeproj"), SessionStore.projectDirectory(temp.resolve("run")));
        assertEquals(temp.resolve("run.pkeproj"), SessionStore.projectDirectory(temp.resolve("run.pkeproj")));
        assertEquals(temp.resolve("run.pkeproj"),
                SessionStore.projectDirectory(temp.resolve("run.pkeproj").resolve(SessionStore.SESSION_JSON)));
    }

    private static List<Path> list(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.sorted().toList();
        }
    }
}
