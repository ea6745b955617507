package org.pkeworkbench.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import javafx.application.Platform;
import javafx.concurrent.Worker;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.model.DemoModel;
import org.pkeworkbench.testing.ModelCopies;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

/**
 * Sessions on the shipped demo model with the real backend. A session saved after locate, two
 * edits and an undo reopens in a second window with the same weights, views and history. The tests
 * also cover autosave, a moved model and a corrupt project. Sizes are cut down (3 steps, 4 records
 * and 4 prompts, 12 new tokens) to keep the tests short.
 */
@ExtendWith(ApplicationExtension.class)
class DemoSessionTest {

    private static final String PROMPT = DemoWindow.PROMPT;

    private static String failureMessage(DemoWindow workbench) {
        return FxTestSupport.onFx(() -> workbench.window().worker().getException().getMessage());
    }

    private static void awaitAutosave(DemoWindow workbench) {
        FxTestSupport.waitUntil("session autosaved",
                () -> workbench.window().statusBar().getText().contains("autosaved"));
    }

    private final List<DemoWindow> opened = new ArrayList<>();
    private DemoWindow first;

    @Start
    void start(Stage stage) {
        first = DemoWindow.show(stage);
        opened.add(first);
    }

    @AfterEach
    void shutDown() {
        for (DemoWindow workbench : opened) {
            workbench.close();
        }
    }

    private DemoWindow secondWindow() {
        DemoWindow second = FxTestSupport.onFx(() -> DemoWindow.show(new Stage()));
        opened.add(second);
        return second;
    }

    private static List<String> names(List<EditHistoryState.Item> items) {
        return items.stream().map(EditHistoryState.Item::name).toList();
    }

    @Test
    void reopenedSessionMatchesSaved(@TempDir Path temp) throws Exception {
        WorkbenchWindow window = first.window();
        first.runSuccessfully(window::openDemoModel);
        first.runSuccessfully(window::locate);
        FxTestSupport.onFx(() -> {
            window.hotSpotTable().acceptSuggested();
            return null;
        });
        first.runSuccessfully(window::runEdit);
        first.runSuccessfully(window::runEdit);
        float[] afterSecond = first.logits();
        first.runSuccessfully(window::undoEdit);
        float[] afterFirst = first.logits();
        first.runSuccessfully(() -> window.compare(PROMPT));

        List<HotSpot> ticked = FxTestSupport.onFx(() -> window.hotSpotTable().selectedHotSpots());
        java.util.Set<Integer> layers = FxTestSupport.onFx(() -> window.pathwayChart().highlightedLayers());
        EditHistoryState history = first.backend().editHistory();
        EditSummary results = FxTestSupport.onFx(() -> window.resultsView().summary()).orElseThrow();
        ModelComparison comparison = FxTestSupport.onFx(() -> window.compareView().comparison()).orElseThrow();
        assertEquals(1, history.applied().size());
        assertEquals(1, history.undone().size());

        Path project = temp.resolve("demo.pkeproj");
        first.runSuccessfully(() -> window.sessions().saveAs(temp.resolve("demo")));
        assertTrue(Files.isRegularFile(project.resolve("session.json")));
        assertTrue(Files.isRegularFile(project.resolve("locate.json")));
        assertTrue(Files.isRegularFile(project.resolve("deltas/edit-001.safetensors")), "applied edit's delta");
        assertTrue(Files.isRegularFile(project.resolve("deltas/edit-002.safetensors")), "undone edit's delta");
        assertTrue(Files.isRegularFile(project.resolve("reports/edit-002.json")), "undone edit's report");
        assertEquals(project, FxTestSupport.onFx(() -> window.sessions().sessionFile()));

        DemoWindow second = secondWindow();
        second.runSuccessfully(() -> second.window().sessions().open(project));

        assertArrayEquals(afterFirst, second.logits(), "reopened weights equal the saved ones exactly");
        EditHistoryState reopened = second.backend().editHistory();
        assertEquals(names(history.applied()), names(reopened.applied()));
        assertEquals(names(history.undone()), names(reopened.undone()));
        assertEquals(history, reopened, "names and summaries of applied and undone edits");
        assertEquals(history, FxTestSupport.onFx(() -> second.window().historyView().state()));
        assertEquals(ticked, FxTestSupport.onFx(() -> second.window().hotSpotTable().selectedHotSpots()));
        assertEquals(layers, FxTestSupport.onFx(() -> second.window().pathwayChart().highlightedLayers()));
        assertEquals(results, FxTestSupport.onFx(() -> second.window().resultsView().summary()).orElseThrow());
        assertEquals(comparison, FxTestSupport.onFx(() -> second.window().compareView().comparison()).orElseThrow());
        assertEquals(60, FxTestSupport.onFx(() -> second.window().summaryPane().prompts(DatasetRole.EDIT)).size());
        assertTrue(second.backend().hasAppliedEdit());

        // Redo in the reopened window brings back the second edit's exact weights, and autosaves.
        second.runSuccessfully(second.window()::redoEdit);
        assertArrayEquals(afterSecond, second.logits(), "the undone edit is redoable after reopening");
        awaitAutosave(second);
        assertEquals(2, SessionStore.read(project).applied().size());

        List<Path> recent = FxTestSupport.onFx(() -> second.window().sessions().recentSessions());
        assertEquals(project, recent.get(0));
        assertEquals(project.toString(),
                FxTestSupport.onFx(() -> second.window().sessions().recentMenu().getItems().get(0).getText()));
        FxTestSupport.saveSnapshot(second.window(), "session-reopened");

        // Revert in the first window autosaves its own state over the project.
        first.runSuccessfully(window::revert);
        awaitAutosave(first);
        SessionFile autosaved = SessionStore.read(project);
        assertEquals(0, autosaved.applied().size());
        assertEquals(2, autosaved.undone().size());
    }

    @Test
    void movedModelAsksForDirectory(@TempDir Path temp) throws Exception {
        WorkbenchWindow window = first.window();
        Path original = ModelCopies.copy(DemoModel.directory(), temp.resolve("model-a"));
        first.runSuccessfully(() -> window.openModel(original));
        first.runSuccessfully(() -> window.openEditSet(editSet()));
        Path project = temp.resolve("moved.pkeproj");
        first.runSuccessfully(() -> window.sessions().saveAs(project));

        Path moved = temp.resolve("model-b");
        Files.move(original, moved);
        List<String> problems = new CopyOnWriteArrayList<>();
        List<Boolean> onFxThread = new CopyOnWriteArrayList<>();

        // Cancelling the prompt: a clear error that names the session and the saved directory.
        FxTestSupport.onFx(() -> {
            window.sessions().setModelDirectoryPrompt((session, saved, problem) -> {
                problems.add(problem);
                onFxThread.add(Platform.isFxApplicationThread());
                return null;
            });
            return null;
        });
        assertEquals(Worker.State.FAILED, first.run(() -> window.sessions().open(project)));
        assertTrue(failureMessage(first).contains(project.toString()), failureMessage(first));
        assertTrue(failureMessage(first).contains(original.toString()), failureMessage(first));
        assertTrue(problems.get(0).contains("does not exist"), problems.get(0));
        assertEquals(List.of(true), onFxThread);

        // Choosing another model: rejected by its fingerprint, naming the chosen directory.
        Path other = ModelCopies.copy(DemoModel.directory(), temp.resolve("model-c"));
        Files.writeString(other.resolve("config.json"), Files.readString(other.resolve("config.json")) + "\n");
        FxTestSupport.onFx(() -> {
            window.sessions().setModelDirectoryPrompt((session, saved, problem) -> other);
            return null;
        });
        assertEquals(Worker.State.FAILED, first.run(() -> window.sessions().open(project)));
        assertTrue(failureMessage(first).contains(other.toString()), failureMessage(first));
        assertTrue(failureMessage(first).contains("differ"), failureMessage(first));
        assertEquals(original, first.backend().languageModel().decoder().directory(), "a failed open keeps the model");

        // Choosing the moved model: the session opens from there.
        FxTestSupport.onFx(() -> {
            window.sessions().setModelDirectoryPrompt((session, saved, problem) -> moved);
            return null;
        });
        first.runSuccessfully(() -> window.sessions().open(project));
        assertEquals(moved, first.backend().languageModel().decoder().directory());
        assertEquals(60, FxTestSupport.onFx(() -> window.summaryPane().prompts(DatasetRole.EDIT)).size());

        // Saving again stores the new path, so the next open needs no prompt.
        first.runSuccessfully(() -> window.sessions().save());
        assertEquals(moved.toString(), SessionStore.read(project).model().path());

        // Opening another model starts a new session, which autosave must not write over this project.
        first.runSuccessfully(() -> window.openModel(moved));
        assertNull(FxTestSupport.onFx(() -> window.sessions().sessionFile()));
    }

    @Test
    void cancelledSaveLeavesCompleteProject(@TempDir Path temp) throws Exception {
        WorkbenchWindow window = first.window();
        first.runSuccessfully(window::openDemoModel);
        Path project = temp.resolve("cancel.pkeproj");
        first.runSuccessfully(() -> window.sessions().saveAs(project));
        first.runSuccessfully(window::locate);

        // The cancel may land before, during or after the write: every outcome must leave a whole project.
        Worker.State state = first.run(() -> {
            window.sessions().saveAs(project);
            window.cancel();
        });
        assertTrue(state == Worker.State.CANCELLED || state == Worker.State.SUCCEEDED, state::toString);
        // A cancelled call may still be finishing on the backend thread; the next job queues behind it.
        first.runSuccessfully(() -> window.openEditSet(editSet()));

        SessionFile saved = SessionStore.read(project);
        assertEquals(SessionFile.FORMAT, saved.format());
        assertNotNull(SessionStore.readLocate(project, saved), "the locate result autosaved before the cancel");
        try (Stream<Path> entries = Files.list(temp)) {
            assertEquals(List.of(project), entries.toList(), "no temporary directories are left");
        }
    }

    @Test
    void unsavedWorkRestoredFromAutosave(@TempDir Path temp) throws Exception {
        Path recovery = temp.resolve("autosave/unsaved.pkeproj");
        WorkbenchWindow window = first.window();
        FxTestSupport.onFx(() -> {
            window.sessions().enableRecovery(recovery);
            return null;
        });
        first.runSuccessfully(window::openDemoModel);
        first.runSuccessfully(window::locate);
        awaitAutosave(first);
        assertTrue(Files.isRegularFile(recovery.resolve(SessionStore.LOCATE_JSON)), "locate result autosaved");
        assertNull(FxTestSupport.onFx(() -> window.sessions().sessionFile()), "autosave sets no session file");
        java.util.Set<Integer> layers = FxTestSupport.onFx(() -> window.pathwayChart().highlightedLayers());

        DemoWindow second = secondWindow();
        FxTestSupport.onFx(() -> {
            second.window().sessions().enableRecovery(recovery);
            return null;
        });
        // Restore pressed while the model from the command line still loads: it waits for that load.
        second.runSuccessfully(() -> {
            second.window().openDemoModel();
            second.window().sessions().restoreRecovery();
        });
        second.assertSucceeded(second.awaitNextCall());
        String status = FxTestSupport.onFx(() -> second.window().statusBar().getText());
        assertTrue(status.startsWith("Opened session unsaved.pkeproj"), status);
        assertEquals(layers, FxTestSupport.onFx(() -> second.window().pathwayChart().highlightedLayers()));
        assertNull(FxTestSupport.onFx(() -> second.window().sessions().sessionFile()), "recovery is not a session file");
        assertFalse(FxTestSupport.onFx(() -> second.window().sessions().recentSessions()).contains(recovery));

        // Saving the work as a session deletes the recovery copy.
        second.runSuccessfully(() -> second.window().sessions().saveAs(temp.resolve("kept")));
        FxTestSupport.waitUntil("recovery deleted", () -> !Files.exists(recovery));
        assertTrue(Files.isRegularFile(temp.resolve("kept.pkeproj/locate.json")));
    }

    @Test
    void corruptSessionFailsWithFileName(@TempDir Path temp) throws Exception {
        Path project = Files.createDirectories(temp.resolve("corrupt.pkeproj"));
        Path file = project.resolve(SessionStore.SESSION_JSON);
        Files.writeString(file, "{\"format\": \"pke-workbench-session\", \"format_version\": ");

        assertEquals(Worker.State.FAILED, first.run(() -> first.window().sessions().open(project)));

        String message = failureMessage(first);
        assertTrue(message.contains(file.toString()), message);
        assertTrue(message.contains("not valid JSON"), message);
        assertFalse(first.backend().hasAppliedEdit());
        assertNotNull(FxTestSupport.onFx(() -> first.window().sessions()));
    }

    private static Path editSet() {
        try {
            return DemoModel.editSet();
        } catch (java.io.IOException e) {
            throw new AssertionError("Demo edit set not found", e);
        }
    }
}
