package org.pkeworkbench.app;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.StringProperty;
import javafx.beans.value.ChangeListener;
import javafx.beans.value.ObservableBooleanValue;
import javafx.beans.value.ObservableValue;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuItem;
import javafx.scene.input.KeyCombination;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.stage.Window;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.io.DirectoryTrees;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The window's session actions: Save session, Save session as, Open session and the Recent
 * sessions menu, and the autosave after each change of the weights or the hot spots.
 *
 * <p>With {@link #enableRecovery()}, a window without a session file autosaves into the settings
 * directory instead, and {@link #offerRecovery()} offers that work again at the next start.
 *
 * <p>Saving and opening run as backend jobs, so they show progress in the status bar and can be
 * cancelled. Autosave runs on the backend thread without occupying the job service, so the user
 * can start the next action at once. That action then waits on the backend thread until the
 * autosave has finished. Call every method on the JavaFX thread.
 */
public final class SessionController {

    /** Titles of the window's jobs after which a session with a file is autosaved. */
    static final Set<String> AUTOSAVED_JOBS = Set.of("Locate", "Edit", "Undo", "Redo", "Revert");

    /**
     * Title starts of the window's jobs that load another model. They start a new session, so
     * autosave must not write that model's work over the previous session's project.
     */
    static final List<String> NEW_MODEL_JOBS = List.of("Open model ", "Open demo model");

    private static final Logger LOG = LoggerFactory.getLogger(SessionController.class);
    private static final long AUTOSAVE_WAIT_SECONDS = 60;

    private final WorkbenchBackend backend;
    private final ExecutorService backendThread;
    private final Consumer<BackendJob<?>> submit;
    private final StringProperty status;
    private final Supplier<SessionView> captureView;
    private final Consumer<SessionRestore> showSession;
    private final Supplier<Window> owner;
    private final WorkbenchSettings settings;
    private final RecentSessions recent;

    private final ReadOnlyObjectWrapper<Path> sessionFile = new ReadOnlyObjectWrapper<>(this, "sessionFile");
    private final Menu recentMenu = new Menu("Recent sessions");
    private ModelDirectoryPrompt modelDirectoryPrompt = this::askForModelDirectory;
    private Future<?> pendingAutosave;
    /** The project that autosave writes while no session file is set; null while recovery is off. */
    private Path recoveryProject;
    /** True while a job runs; set by {@link #menuItems}. */
    private ObservableBooleanValue busy;
    private File lastDirectory;

    /**
     * @param backendThread the window's single backend thread, which autosave shares with the jobs
     * @param submit starts a job in the window's job service
     * @param status the status bar's message while no job runs
     * @param captureView reads what the window shows, for saving
     * @param showSession shows a reopened session in the window
     * @param owner the window that owns dialogs
     */
    SessionController(WorkbenchBackend backend, ExecutorService backendThread, Consumer<BackendJob<?>> submit,
            StringProperty status, Supplier<SessionView> captureView, Consumer<SessionRestore> showSession,
            Supplier<Window> owner, WorkbenchSettings settings) {
        this.backend = backend;
        this.backendThread = backendThread;
        this.submit = submit;
        this.status = status;
        this.captureView = captureView;
        this.showSession = showSession;
        this.owner = owner;
        this.settings = settings;
        this.recent = new RecentSessions(settings);
        recentMenu.setId("recentSessionsMenu");
        recentMenu.setOnShowing(event -> refreshRecentMenu());
        refreshRecentMenu();
    }

    /**
     * Returns the File menu's session items: Open session, Save session (Shortcut+S), Save session as
     * (Shortcut+Shift+S) and Recent sessions.
     */
    List<MenuItem> menuItems(ObservableBooleanValue busy, ObservableBooleanValue noModel) {
        this.busy = busy;
        MenuItem open = item("Open session…", "openSession", this::chooseSessionToOpen, busy);
        MenuItem save = item("Save session", "saveSession", this::save, orBinding(busy, noModel));
        save.setAccelerator(KeyCombination.keyCombination("Shortcut+S"));
        MenuItem saveAs = item("Save session as…", "saveSessionAs", this::chooseSaveLocation, orBinding(busy, noModel));
        saveAs.setAccelerator(KeyCombination.keyCombination("Shortcut+Shift+S"));
        recentMenu.disableProperty().bind(busy);
        return List.of(open, save, saveAs, recentMenu);
    }

    private static ObservableBooleanValue orBinding(ObservableBooleanValue a, ObservableBooleanValue b) {
        return javafx.beans.binding.Bindings.or(a, b);
    }

    private static MenuItem item(String text, String id, Runnable handler, ObservableBooleanValue disabled) {
        MenuItem item = new MenuItem(text);
        item.setId(id + "MenuItem");
        item.setOnAction(event -> handler.run());
        item.disableProperty().bind(disabled);
        return item;
    }

    /** Returns the project directory of the session saved or opened last, or null before the first. */
    public ReadOnlyObjectProperty<Path> sessionFileProperty() {
        return sessionFile.getReadOnlyProperty();
    }

    public Path sessionFile() {
        return sessionFile.get();
    }

    /** Returns the recent sessions, newest first. */
    public List<Path> recentSessions() {
        return recent.list();
    }

    /** Returns the Recent sessions submenu, whose items open those sessions. */
    public Menu recentMenu() {
        return recentMenu;
    }

    /**
     * Replaces the dialog that requests a moved model's directory, for example in tests. The
     * workbench calls {@code prompt} on the JavaFX thread.
     */
    public void setModelDirectoryPrompt(ModelDirectoryPrompt prompt) {
        modelDirectoryPrompt = prompt;
    }

    /** Saves to the current session's project, or requests a place when there is none. */
    public void save() {
        Path current = sessionFile.get();
        if (current == null) {
            chooseSaveLocation();
        } else {
            saveAs(current);
        }
    }

    /**
     * Saves the session in the background as the project {@code chosen} (with {@code .pkeproj}
     * added when missing) and makes it the current session.
     */
    public void saveAs(Path chosen) {
        Path project = SessionStore.projectDirectory(chosen);
        SessionView view = captureView.get();
        submit.accept(new BackendJob<>("Save session", progress -> {
            backend.saveSession(project, view, progress);
            return project;
        }, saved -> {
            sessionFile.set(saved);
            remember(saved);
            deleteRecovery();
            status.set("Saved the session to " + saved);
        }));
    }

    /** Opens the session project {@code chosen} (a {@code .pkeproj} directory or its {@code session.json}) in the background. */
    public void open(Path chosen) {
        open(SessionStore.projectDirectory(chosen), true);
    }

    /**
     * Opens {@code project} in the background. A recovered autosave ({@code asSessionFile} false)
     * does not become the session file and stays out of the recent list, so Save session requests a name.
     */
    private void open(Path project, boolean asSessionFile) {
        submit.accept(new BackendJob<>("Open session " + project.getFileName(),
                progress -> backend.openSession(project, this::promptOnFxThread, progress),
                restored -> {
                    showSession.accept(restored);
                    if (asSessionFile) {
                        sessionFile.set(project);
                        remember(project);
                    } else {
                        sessionFile.set(null);
                    }
                    EditHistoryState history = restored.history();
                    status.set("Opened session " + project.getFileName() + ": " + history.applied().size()
                            + (history.applied().size() == 1 ? " edit" : " edits") + " applied, " + history.undone().size()
                            + " undone"
                            + (restored.warnings().isEmpty() ? "" : "; " + restored.warnings().size() + " warnings"));
                    if (!restored.warnings().isEmpty()) {
                        showWarnings(project, restored.warnings());
                    }
                }));
    }

    /**
     * Saves the current session on the backend thread after a job named {@code jobTitle} succeeded,
     * when that job changes what a session stores. It goes to the session file, or to the recovery
     * project when none is set and recovery is on. After a job that loaded another model, clears
     * the session file instead.
     */
    void afterJob(String jobTitle) {
        if (sessionFile.get() != null && NEW_MODEL_JOBS.stream().anyMatch(jobTitle::startsWith)) {
            LOG.info("{} started a new session; {} is no longer autosaved", jobTitle, sessionFile.get());
            sessionFile.set(null);
            return;
        }
        if (!AUTOSAVED_JOBS.contains(jobTitle)) {
            return;
        }
        if (sessionFile.get() != null) {
            autosave(sessionFile.get(), "session autosaved to " + sessionFile.get().getFileName());
        } else if (recoveryProject != null) {
            autosave(recoveryProject, "unsaved work autosaved for recovery");
        }
    }

    private void autosave(Path project, String doneMessage) {
        SessionView view = captureView.get();
        String before = status.get();
        status.set(before + "; autosaving the session…");
        try {
            pendingAutosave = backendThread.submit(() -> {
                try {
                    backend.saveSession(project, view, ProgressListener.NONE);
                    Platform.runLater(() -> status.set(before + "; " + doneMessage));
                } catch (Exception error) {
                    LOG.error("Autosave of session {} failed", project, error);
                    Platform.runLater(() -> status.set(before + "; autosave to " + project + " failed: "
                            + error.getMessage()));
                }
            });
        } catch (RejectedExecutionException closed) {
            LOG.warn("Backend thread is shut down; session {} not autosaved", project, closed);
        }
    }

    /** Waits until a running autosave has finished, so that the backend can be closed after it. Call at shutdown. */
    void awaitAutosave() {
        Future<?> pending = pendingAutosave;
        if (pending == null) {
            return;
        }
        try {
            pending.get(AUTOSAVE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException error) {
            LOG.error("Waiting for the autosave to finish failed", error);
        }
    }

    /**
     * Turns on autosave of work without a session file into {@code autosave/unsaved.pkeproj} in
     * the settings directory. The app turns it on; windows built in tests leave it off.
     */
    public void enableRecovery() {
        enableRecovery(settings.directory().resolve("autosave").resolve("unsaved" + SessionStore.EXTENSION));
    }

    /** Turns on autosave of work without a session file into {@code project}. */
    public void enableRecovery(Path project) {
        recoveryProject = project.toAbsolutePath().normalize();
    }

    /** Returns the project that autosave writes while no session file is set, or null while recovery is off. */
    public Path recoveryProject() {
        return recoveryProject;
    }

    /**
     * Offers to restore autosaved unsaved work, when there is some, in a dialog that does not block
     * the window. Restore opens it without making it the session file. Discard deletes it.
     */
    public void offerRecovery() {
        if (recoveryProject == null || !Files.isRegularFile(recoveryProject.resolve(SessionStore.SESSION_JSON))) {
            return;
        }
        ButtonType restore = new ButtonType("Restore", ButtonBar.ButtonData.OK_DONE);
        ButtonType discard = new ButtonType("Discard", ButtonBar.ButtonData.NO);
        ButtonType later = new ButtonType("Not now", ButtonBar.ButtonData.CANCEL_CLOSE);
        Alert alert = new Alert(Alert.AlertType.CONFIRMATION, "The workbench autosaved work that was never saved "
                + "as a session, last at " + lastModified(recoveryProject.resolve(SessionStore.SESSION_JSON))
                + ". Restore it now? Not now keeps it for the next start.", restore, discard, later);
        alert.setTitle("Restore unsaved work");
        alert.setHeaderText("Unsaved work was found");
        alert.initOwner(owner.get());
        alert.setOnHidden(event -> {
            ButtonType answer = alert.getResult();
            if (answer == restore) {
                restoreRecovery();
            } else if (answer == discard) {
                deleteRecovery();
            }
        });
        alert.show();
    }

    /**
     * Opens the autosaved unsaved work in the background, without making it the session file. While
     * another job runs, for example the model given on the command line, it opens once that job has
     * finished.
     */
    public void restoreRecovery() {
        Path project = recoveryProject;
        if (project == null) {
            return;
        }
        if (busy == null || !busy.get()) {
            open(project, false);
            return;
        }
        busy.addListener(new ChangeListener<Boolean>() {
            @Override
            public void changed(ObservableValue<? extends Boolean> observable, Boolean wasBusy, Boolean isBusy) {
                if (!isBusy) {
                    busy.removeListener(this);
                    // Later, so that the finished job's result handler runs before the next job starts.
                    Platform.runLater(() -> open(project, false));
                }
            }
        });
    }

    private static String lastModified(Path file) {
        try {
            return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", java.util.Locale.ROOT)
                    .withZone(java.time.ZoneId.systemDefault())
                    .format(Files.getLastModifiedTime(file).toInstant());
        } catch (IOException error) {
            LOG.warn("Could not read the modification time of {}", file, error);
            return "an unknown time";
        }
    }

    /** Deletes the autosaved unsaved work on the backend thread, after any autosave still queued there. */
    private void deleteRecovery() {
        Path project = recoveryProject;
        if (project == null) {
            return;
        }
        try {
            backendThread.execute(() -> {
                try {
                    DirectoryTrees.delete(project);
                    LOG.info("Deleted the autosaved unsaved work in {}", project);
                } catch (IOException error) {
                    LOG.error("Deleting the autosaved unsaved work in {} failed", project, error);
                }
            });
        } catch (RejectedExecutionException closed) {
            LOG.warn("Backend thread is shut down; {} not deleted", project, closed);
        }
    }

    private void remember(Path project) {
        recent.add(project);
        refreshRecentMenu();
    }

    private void refreshRecentMenu() {
        List<MenuItem> items = new ArrayList<>();
        List<Path> paths = recent.list();
        for (int index = 0; index < paths.size(); index++) {
            Path path = paths.get(index);
            MenuItem item = new MenuItem(path.toString());
            item.setId("recentSession" + index + "MenuItem");
            // Underscores in paths are not keyboard mnemonics.
            item.setMnemonicParsing(false);
            item.setOnAction(event -> open(path));
            items.add(item);
        }
        if (items.isEmpty()) {
            MenuItem none = new MenuItem("No recent sessions");
            none.setDisable(true);
            items.add(none);
        }
        recentMenu.getItems().setAll(items);
    }

    /** Runs the model directory prompt on the JavaFX thread and waits for its answer; called on the backend thread. */
    private Path promptOnFxThread(Path project, Path savedDirectory, String problem) throws Exception {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("Opening session " + project + " was cancelled");
        }
        if (Platform.isFxApplicationThread()) {
            return modelDirectoryPrompt.chooseModelDirectory(project, savedDirectory, problem);
        }
        ModelDirectoryPrompt prompt = modelDirectoryPrompt;
        FutureTask<Path> question = new FutureTask<>(() -> prompt.chooseModelDirectory(project, savedDirectory, problem));
        Platform.runLater(question);
        try {
            return question.get();
        } catch (ExecutionException failed) {
            if (failed.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw failed;
        }
    }

    /** Shows the default prompt: an alert that explains the problem, then a directory chooser. */
    private Path askForModelDirectory(Path project, Path savedDirectory, String problem) {
        ButtonType choose = new ButtonType("Choose directory…", ButtonBar.ButtonData.OK_DONE);
        Alert alert = new Alert(Alert.AlertType.WARNING, "Session " + project.getFileName() + " cannot use its model: "
                + problem + ".\n\nChoose the directory that now holds the model. Its files are checked against "
                + "the session's fingerprint before the session opens.", choose, ButtonType.CANCEL);
        alert.setTitle("Model moved");
        alert.setHeaderText("Where is the session's model now?");
        alert.initOwner(owner.get());
        if (alert.showAndWait().orElse(ButtonType.CANCEL) != choose) {
            return null;
        }
        DirectoryChooser chooser = new DirectoryChooser();
        chooser.setTitle("Choose the new directory of the model saved at " + savedDirectory);
        File initial = savedDirectory.getParent() == null ? null : savedDirectory.getParent().toFile();
        if (initial != null && initial.isDirectory()) {
            chooser.setInitialDirectory(initial);
        }
        File directory = chooser.showDialog(owner.get());
        return directory == null ? null : directory.toPath();
    }

    private void showWarnings(Path project, List<String> warnings) {
        Alert alert = new Alert(Alert.AlertType.WARNING, String.join("\n\n", warnings));
        alert.setTitle("Session opened with warnings");
        alert.setHeaderText("Session " + project.getFileName() + " opened, with these differences:");
        alert.initOwner(owner.get());
        alert.show();
    }

    private void chooseSessionToOpen() {
        DirectoryChooser chooser = new DirectoryChooser();
        chooser.setTitle("Open a session (a " + SessionStore.EXTENSION + " directory)");
        if (lastDirectory != null) {
            chooser.setInitialDirectory(lastDirectory);
        }
        File directory = chooser.showDialog(owner.get());
        if (directory != null) {
            lastDirectory = directory.getParentFile();
            open(directory.toPath());
        }
    }

    private void chooseSaveLocation() {
        FileChooser chooser = new FileChooser();
        chooser.setTitle("Save the session as a " + SessionStore.EXTENSION + " directory");
        chooser.setInitialFileName("session" + SessionStore.EXTENSION);
        Path current = sessionFile.get();
        if (current != null && current.getParent() != null) {
            chooser.setInitialDirectory(current.getParent().toFile());
        } else if (lastDirectory != null) {
            chooser.setInitialDirectory(lastDirectory);
        }
        File file = chooser.showSaveDialog(owner.get());
        if (file != null) {
            lastDirectory = file.getParentFile();
            saveAs(file.toPath());
        }
    }
}
