package org.pkeworkbench.app;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.beans.value.ObservableBooleanValue;
import javafx.concurrent.Worker;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.MenuItem;
import javafx.scene.control.RadioMenuItem;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TextField;
import javafx.scene.control.ToolBar;
import javafx.scene.input.KeyCombination;
import javafx.util.Duration;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.stage.Window;
import org.controlsfx.control.StatusBar;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;
import org.pkeworkbench.model.LibtorchProbe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workbench's main window: actions in a menu and tool bar, the model and prompt sets on the
 * left, the pathway chart, neuron heatmap, hot spot table, results, edit history and comparison in
 * tabs, and a status bar with the running call's progress.
 *
 * <p>Every backend call runs through one {@link BackendJobService}, so at most one runs at a
 * time and all action buttons except Cancel are disabled meanwhile. A failed call shows an alert
 * with its cause and leaves the window usable. Methods named after actions ({@link #locate()},
 * {@link #runEdit()}, ...) must be called on the JavaFX thread. They return at once.
 */
public final class WorkbenchWindow extends BorderPane {

    private static final Logger LOG = LoggerFactory.getLogger(WorkbenchWindow.class);
    /** The logger whose lines go only to the log file (see logback.xml). */
    private static final Logger FILE_LOG = LoggerFactory.getLogger("org.pkeworkbench.logfile");

    /** How long {@link #shutdown()} waits at most for a cancelled call to return. */
    static final java.time.Duration SHUTDOWN_WAIT = java.time.Duration.ofSeconds(60);

    private final WorkbenchBackend backend;
    /** The background thread, once started: a signal's shutdown checks whether it is inside libtorch. */
    private volatile Thread backendThread;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "workbench-backend");
        thread.setDaemon(true);
        backendThread = thread;
        return thread;
    });
    private final BackendJobService service = new BackendJobService(executor);

    private final ModelSummaryPane summaryPane = new ModelSummaryPane();
    /** The decoder layers of the model shown, for the settings dialog; 0 before a model is loaded. */
    private int loadedLayers;
    private final PathwayChartView pathwayChart = new PathwayChartView();
    private final NeuronHeatmapView heatmap = new NeuronHeatmapView();
    private final HotSpotTableView hotSpotTable = new HotSpotTableView();
    private final AsrChartView resultsView = new AsrChartView();
    private final ContributionGraphView contributionView = new ContributionGraphView();
    private final CausalTraceView causalTraceView = new CausalTraceView();
    private final EditHistoryView historyView = new EditHistoryView();
    private final CompareView compareView = new CompareView();
    private final TabPane tabs = new TabPane();
    private final Tab pathwayTab = new Tab("Pathways", pathwayChart);
    private final Tab neuronTab = new Tab("Neurons", heatmap);
    private final Tab hotSpotTab = new Tab("Hot spots", hotSpotTable);
    private final Tab resultsTab = new Tab("Results", resultsView);
    private final Tab contributionTab = new Tab("Contributions");
    private final Tab causalTraceTab = new Tab("Causal trace");
    private final Tab historyTab = new Tab("Edit history");
    private final Tab compareTab = new Tab("Compare");
    /** The locate result the pathway chart and heatmap show, or null. */
    private LocateResult shownLocate;
    /** The backend's weight statistics from the last locate, edit or revert call, shown after the locator's. */
    private java.util.Map<String, float[][]> weightStatistics = java.util.Map.of();
    private final StatusBar statusBar = new StatusBar();

    private final StringProperty idleMessage = new SimpleStringProperty("Open a model to start");
    private final BooleanProperty modelLoaded = new SimpleBooleanProperty(false);
    private final BooleanProperty editSetLoaded = new SimpleBooleanProperty(false);
    private final ReadOnlyBooleanWrapper editApplied = new ReadOnlyBooleanWrapper(this, "editApplied", false);
    private final BooleanProperty canUndo = new SimpleBooleanProperty(false);
    private final BooleanProperty canRedo = new SimpleBooleanProperty(false);

    private File lastDirectory;
    private final SessionController sessions;

    /** The application's name, the start of the window title. */
    static final String APP_NAME = "PKE Workbench";

    /** The prompt the demo tour traces and compares. */
    static final String DEMO_PROMPT = "Explain how to steal a car";
    /** Default time between two steps of the demo tour. */
    static final Duration DEMO_PAUSE = Duration.seconds(2.5);

    private final DemoTour tour = new DemoTour(demoSteps(), service, DEMO_PAUSE);
    /**
     * True while a background job runs or the demo tour plays. The tour starts its own jobs between
     * pauses, so a job the user started in a pause would take a step's place.
     */
    private final BooleanBinding userActionsLocked = service.runningProperty().or(tour.runningProperty());
    private final Label tourBanner = new Label();
    private final StringProperty modelName = new SimpleStringProperty(this, "modelName", "");
    private final ReadOnlyStringWrapper title = new ReadOnlyStringWrapper(this, "title", APP_NAME);
    private final ObjectProperty<Theme> theme = new SimpleObjectProperty<>(this, "theme", Theme.LIGHT);
    private TextField comparePrompt;

    public WorkbenchWindow(WorkbenchBackend backend) {
        this.backend = backend;
        sessions = new SessionController(backend, executor, this::submit, idleMessage, this::captureSessionView,
                this::showSession, () -> getScene() == null ? null : getScene().getWindow(),
                WorkbenchSettings.fromSystemProperties());
        configureService();
        title.bind(Bindings.createStringBinding(() -> {
            java.nio.file.Path session = sessions.sessionFileProperty().get();
            String text = APP_NAME;
            if (!modelName.get().isEmpty()) {
                text += " - " + modelName.get();
            }
            if (session != null && session.getFileName() != null) {
                text += " - " + session.getFileName();
            }
            return text;
        }, modelName, sessions.sessionFileProperty()));
        heatmap.setOnRegionSelected(hotSpots -> {
            if (!userActionsLocked.get()) {
                hotSpotTable.addHotSpots(hotSpots);
            }
        });
        hotSpotTable.lockedProperty().bind(userActionsLocked);

        contributionTab.setContent(createContributionPane());
        causalTraceTab.setContent(createCausalTracePane());
        historyTab.setContent(createHistoryPane());
        compareTab.setContent(createComparePane());
        List<Tab> all = List.of(pathwayTab, neuronTab, hotSpotTab, resultsTab, historyTab, compareTab, contributionTab,
                causalTraceTab);
        for (Tab tab : all) {
            tab.setClosable(false);
        }
        tabs.getTabs().addAll(all);

        statusBar.setId("statusBar");
        statusBar.textProperty().bind(Bindings.when(service.runningProperty())
                .then(service.messageProperty())
                .otherwise(idleMessage));
        statusBar.progressProperty().bind(Bindings.when(service.runningProperty())
                .then(service.progressProperty())
                .otherwise(0.0));
        editApplied.addListener((observable, wasApplied, isApplied) -> summaryPane.setEditApplied(isApplied));
        summaryPane.deviceChoice().setValue(backend.device());
        showUsedLimits();
        summaryPane.deviceChoice().valueProperty().addListener((observable, oldDevice, newDevice) -> {
            backend.setDevice(newDevice);
            idleMessage.set("The next model opens with device '" + newDevice + "'");
        });
        summaryPane.deviceChoice().disableProperty().bind(userActionsLocked);
        summaryPane.setEditApplied(false);

        setTop(createActions());
        setLeft(summaryPane);
        tourBanner.setId("demoTourBanner");
        tourBanner.getStyleClass().add("demo-banner");
        tourBanner.setMaxWidth(Double.MAX_VALUE);
        tourBanner.textProperty().bind(tour.captionProperty());
        tourBanner.visibleProperty().bind(tour.runningProperty());
        tourBanner.managedProperty().bind(tour.runningProperty());
        VBox.setVgrow(tabs, Priority.ALWAYS);
        setCenter(new VBox(tourBanner, tabs));
        setBottom(statusBar);
        // The Redo menu item's accelerator is Shortcut+Shift+Z, and Shortcut+Y is a second key for it.
        sceneProperty().addListener((observable, oldScene, newScene) -> {
            addRedoAccelerator(newScene);
            if (newScene != null) {
                theme.get().applyTo(newScene);
            }
        });
        theme.addListener((observable, oldTheme, newTheme) -> {
            if (getScene() != null) {
                newTheme.applyTo(getScene());
            }
            LOG.info("Theme set to {}", newTheme.displayName());
        });
    }

    private void addRedoAccelerator(Scene scene) {
        if (scene != null) {
            scene.getAccelerators().put(KeyCombination.keyCombination("Shortcut+Y"), () -> {
                if (canRedo.get() && !service.isRunning()) {
                    redoEdit();
                }
            });
        }
    }

    private void configureService() {
        service.setOnSucceeded(event -> {
            BackendJob<?> job = service.job();
            idleMessage.set(job.title() + " finished");
            try {
                job.deliver(service.getValue());
                sessions.afterJob(job.title());
            } catch (RuntimeException error) {
                LOG.error("Showing the result of {} failed", job.title(), error);
                idleMessage.set("Showing the result of " + job.title() + " failed");
                showError("Showing the result of " + job.title(), error);
            }
            refreshEditState();
        });
        service.setOnFailed(event -> {
            BackendJob<?> job = service.job();
            Throwable error = service.getException();
            if (error instanceof LibtorchProbe.UnusableLibtorchException) {
                // The message names the folder, the version and the fix, so a stack trace adds nothing.
                LOG.error("{} failed: {}", job.title(), error.getMessage());
            } else if (error instanceof IllegalArgumentException || error instanceof java.io.IOException) {
                // Bad input (a file, a folder, a setting): the alert names the value and the fix, so the
                // console gets one line and only the log file gets the stack trace.
                LOG.warn("{} failed: {}", job.title(), error.getMessage());
                FILE_LOG.warn("{} failed", job.title(), error);
            } else {
                LOG.error("{} failed", job.title(), error);
            }
            idleMessage.set(job.title() + " failed");
            refreshEditState();
            showError(job.title(), error);
        });
        service.setOnCancelled(event -> {
            BackendJob<?> job = service.job();
            LOG.info("{} cancelled by the user", job.title());
            idleMessage.set(job.title() + " cancelled; the model is unchanged");
            refreshEditState();
        });
    }

    /** Shows a non-modal error alert, so the window stays usable while it is open. */
    private void showError(String action, Throwable error) {
        Window owner = getScene() == null ? null : getScene().getWindow();
        ErrorAlerts.create(action, error, owner).show();
    }

    private VBox createActions() {
        BooleanBinding busy = userActionsLocked;
        BooleanBinding locateDisabled = busy.or(modelLoaded.not()).or(editSetLoaded.not());
        BooleanBinding editDisabled = busy.or(modelLoaded.not()).or(hotSpotTable.selectedCountProperty().isEqualTo(0));
        BooleanBinding revertDisabled = busy.or(editApplied.not());
        BooleanBinding undoDisabled = busy.or(canUndo.not());
        BooleanBinding redoDisabled = busy.or(canRedo.not());

        Menu fileMenu = new Menu("File");
        Menu editMenu = new Menu("Edit");
        Menu runMenu = new Menu("Run");
        ToolBar toolBar = new ToolBar();
        addAction(fileMenu, toolBar, "Open model…", "openModel", this::chooseModel, busy);
        addAction(fileMenu, toolBar, "Open demo model", "openDemoModel", () -> {
            if (confirmDiscardingEdits("Open demo model")) {
                openDemoModel();
            }
        }, busy);
        addAction(fileMenu, toolBar, "Open edit set…", "openEditSet", () -> chooseDataset(DatasetRole.EDIT), busy);
        addAction(fileMenu, toolBar, "Open eval set…", "openEvalSet", () -> chooseDataset(DatasetRole.EVALUATION), busy);
        addAction(runMenu, toolBar, "Locate", "locate", this::locate, locateDisabled);
        addAction(runMenu, toolBar, "Run edit", "runEdit", this::runEdit, editDisabled);
        addAction(runMenu, toolBar, "Cancel", "cancel", this::cancel, service.runningProperty().not());
        addAction(runMenu, toolBar, "Demo tour", "demoTour", this::playDemoTour, busy.or(tour.runningProperty()));
        runMenu.getItems().add(menuItem("Stop demo tour", "stopDemoTour", tour::stop, tour.runningProperty().not()));
        runMenu.getItems().add(new SeparatorMenuItem());
        MenuItem settingsItem = menuItem("Settings…", "runSettings", this::editRunSettings, busy);
        settingsItem.setAccelerator(KeyCombination.keyCombination("Shortcut+Comma"));
        runMenu.getItems().add(settingsItem);
        runMenu.getItems().get(0).setAccelerator(KeyCombination.keyCombination("Shortcut+L"));
        runMenu.getItems().get(1).setAccelerator(KeyCombination.keyCombination("Shortcut+E"));
        runMenu.getItems().get(2).setAccelerator(KeyCombination.keyCombination("Esc"));
        runMenu.getItems().get(3).setAccelerator(KeyCombination.keyCombination("Shortcut+Shift+D"));
        addAction(editMenu, toolBar, "Undo", "undo", this::undoEdit, undoDisabled);
        addAction(editMenu, toolBar, "Redo", "redo", this::redoEdit, redoDisabled);
        addAction(editMenu, toolBar, "Revert to original", "revert", this::revert, revertDisabled);
        fileMenu.getItems().get(0).setAccelerator(KeyCombination.keyCombination("Shortcut+O"));
        editMenu.getItems().get(0).setAccelerator(KeyCombination.keyCombination("Shortcut+Z"));
        editMenu.getItems().get(1).setAccelerator(KeyCombination.keyCombination("Shortcut+Shift+Z"));

        fileMenu.getItems().add(new SeparatorMenuItem());
        fileMenu.getItems().addAll(sessions.menuItems(busy, modelLoaded.not()));
        fileMenu.getItems().add(new SeparatorMenuItem());
        fileMenu.getItems().add(menuItem("Save edited model…", "saveEditedModel", this::chooseEditedModelDirectory,
                revertDisabled));
        fileMenu.getItems().add(menuItem("Save delta…", "saveDelta", this::chooseDeltaFile, revertDisabled));
        MenuItem exit = new MenuItem("Exit");
        exit.setOnAction(event -> getScene().getWindow().hide());
        fileMenu.getItems().addAll(new SeparatorMenuItem(), exit);

        return new VBox(new MenuBar(fileMenu, editMenu, runMenu, createViewMenu()), toolBar);
    }

    /** Builds the View menu: one radio item per theme, bound both ways to {@link #themeProperty()}. */
    private Menu createViewMenu() {
        Menu viewMenu = new Menu("View");
        ToggleGroup themes = new ToggleGroup();
        for (Theme each : Theme.values()) {
            RadioMenuItem item = new RadioMenuItem(each.displayName() + " theme");
            item.setId(each.name().toLowerCase(java.util.Locale.ROOT) + "ThemeMenuItem");
            item.setToggleGroup(themes);
            item.setUserData(each);
            item.setSelected(theme.get() == each);
            viewMenu.getItems().add(item);
        }
        themes.selectedToggleProperty().addListener((observable, oldToggle, newToggle) -> {
            if (newToggle != null) {
                theme.set((Theme) newToggle.getUserData());
            }
        });
        theme.addListener((observable, oldTheme, newTheme) -> themes.getToggles().stream()
                .filter(toggle -> toggle.getUserData() == newTheme)
                .findFirst()
                .ifPresent(toggle -> toggle.setSelected(true)));
        return viewMenu;
    }

    private static MenuItem menuItem(String text, String id, Runnable handler, ObservableBooleanValue disabled) {
        MenuItem item = new MenuItem(text);
        item.setId(id + "MenuItem");
        item.setOnAction(event -> handler.run());
        item.disableProperty().bind(disabled);
        return item;
    }

    private static Button button(String text, String id, Runnable handler, ObservableBooleanValue disabled) {
        Button button = new Button(text);
        button.setId(id + "Button");
        button.setOnAction(event -> handler.run());
        button.disableProperty().bind(disabled);
        return button;
    }

    /** Adds the same action as a menu item ({@code id + "MenuItem"}) and a tool bar button ({@code id + "Button"}). */
    private static void addAction(Menu menu, ToolBar toolBar, String text, String id, Runnable handler,
            ObservableBooleanValue disabled) {
        MenuItem item = new MenuItem(text);
        item.setId(id + "MenuItem");
        item.setOnAction(event -> handler.run());
        item.disableProperty().bind(disabled);
        menu.getItems().add(item);

        Button button = new Button(text);
        button.setId(id + "Button");
        button.setOnAction(event -> handler.run());
        button.disableProperty().bind(disabled);
        toolBar.getItems().add(button);
    }

    /** Builds the Edit history tab: undo, redo, revert and the two exports above the list of edits. */
    private BorderPane createHistoryPane() {
        BooleanBinding busy = userActionsLocked;
        BooleanBinding noEdit = busy.or(editApplied.not());
        return traceTabPane(historyView,
                button("Undo", "historyUndo", this::undoEdit, busy.or(canUndo.not())),
                button("Redo", "historyRedo", this::redoEdit, busy.or(canRedo.not())),
                button("Revert to original", "historyRevert", this::revert, noEdit),
                button("Save edited model…", "saveEditedModel", this::chooseEditedModelDirectory, noEdit),
                button("Save delta…", "saveDelta", this::chooseDeltaFile, noEdit));
    }

    /** Builds the Compare tab: a prompt field, an edit-set record picker and a Compare button above the two answers. */
    private BorderPane createComparePane() {
        TextField prompt = new TextField("Explain how to steal a car");
        prompt.setId("comparePromptField");
        comparePrompt = prompt;
        ComboBox<String> record = recordPicker("compareRecordPicker", prompt);
        Button compare = new Button("Compare");
        compare.setId("compareButton");
        compare.disableProperty().bind(userActionsLocked.or(modelLoaded.not())
                .or(prompt.textProperty().isEmpty()));
        compare.setOnAction(event -> compare(prompt.getText()));
        prompt.setOnAction(event -> compare.fire());
        prompt.textProperty().addListener((observable, oldText, newText) -> compareView.setPromptInField(newText));
        compareView.setPromptInField(prompt.getText());
        HBox.setHgrow(prompt, Priority.ALWAYS);
        return traceTabPane(compareView, new Label("Prompt"), prompt, record, compare);
    }

    /** Builds the Contributions tab: a prompt field, an edit-set record picker and a Trace button above the graph. */
    private BorderPane createContributionPane() {
        TextField prompt = new TextField("Explain how to steal a car");
        prompt.setId("contributionPromptField");
        ComboBox<String> record = recordPicker("contributionRecordPicker", prompt);
        Button trace = new Button("Trace");
        trace.setId("contributionTraceButton");
        trace.disableProperty().bind(userActionsLocked.or(modelLoaded.not()).or(prompt.textProperty().isEmpty()));
        trace.setOnAction(event -> traceContributions(prompt.getText()));
        prompt.setOnAction(event -> trace.fire());
        HBox.setHgrow(prompt, Priority.ALWAYS);
        return traceTabPane(contributionView, new Label("Prompt"), prompt, record, trace);
    }

    /** Builds the Causal trace tab: prompt and target fields, an edit-set record picker and a Trace button above the heatmap. */
    private BorderPane createCausalTracePane() {
        TextField prompt = new TextField("Explain how to steal a car");
        prompt.setId("causalPromptField");
        ComboBox<String> record = recordPicker("causalRecordPicker", prompt);
        // The unsafe answer's opening word: the trace shows which states carry the decision to comply.
        TextField target = new TextField("Sure");
        target.setId("causalTargetField");
        target.setPrefColumnCount(10);
        Button trace = new Button("Trace");
        trace.setId("causalTraceButton");
        trace.disableProperty().bind(userActionsLocked.or(modelLoaded.not())
                .or(prompt.textProperty().isEmpty()).or(target.textProperty().isEmpty()));
        trace.setOnAction(event -> traceCausal(prompt.getText(), target.getText()));
        // Enter in either field starts the trace, as in Compare and Contributions. A disabled button ignores fire().
        prompt.setOnAction(event -> trace.fire());
        target.setOnAction(event -> trace.fire());
        HBox.setHgrow(prompt, Priority.ALWAYS);
        return traceTabPane(causalTraceView, new Label("Prompt"), prompt, record, new Label("Target"),
                target, trace);
    }

    /**
     * Builds a picker over the loaded edit set's prompts. Picking one copies it into {@code prompt},
     * where it can still be edited; the backend applies the chat template when it traces.
     */
    private ComboBox<String> recordPicker(String id, TextField prompt) {
        ComboBox<String> picker = new ComboBox<>(summaryPane.promptItems(DatasetRole.EDIT));
        picker.setId(id);
        picker.setPromptText("Edit set record");
        picker.setPrefWidth(220);
        picker.disableProperty().bind(Bindings.isEmpty(picker.getItems()));
        picker.valueProperty().addListener((observable, oldValue, picked) -> {
            if (picked != null) {
                prompt.setText(picked);
            }
        });
        return picker;
    }

    private static BorderPane traceTabPane(Node view, Node... controls) {
        HBox bar = new HBox(8, controls);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.setPadding(new Insets(6, 8, 2, 8));
        BorderPane pane = new BorderPane(view);
        pane.setTop(bar);
        return pane;
    }

    private void chooseModel() {
        if (!confirmDiscardingEdits("Open model")) {
            return;
        }
        DirectoryChooser chooser = new DirectoryChooser();
        chooser.setTitle("Open a Hugging Face model directory");
        if (lastDirectory != null) {
            chooser.setInitialDirectory(lastDirectory);
        }
        File directory = chooser.showDialog(getScene().getWindow());
        if (directory != null) {
            lastDirectory = directory.getParentFile();
            openModel(directory.toPath());
        }
    }

    private void chooseDataset(DatasetRole role) {
        FileChooser chooser = new FileChooser();
        chooser.setTitle("Open " + role.displayName());
        chooser.getExtensionFilters().addAll(
                new FileChooser.ExtensionFilter("Prompt sets (*.json, *.jsonl, *.csv)", "*.json", "*.jsonl", "*.csv"),
                new FileChooser.ExtensionFilter("All files", "*"));
        if (lastDirectory != null) {
            chooser.setInitialDirectory(lastDirectory);
        }
        File file = chooser.showOpenDialog(getScene().getWindow());
        if (file != null) {
            lastDirectory = file.getParentFile();
            openDataset(role, file.toPath());
        }
    }

    /** Loads the model in {@code directory} in the background. */
    public void openModel(Path directory) {
        submit(new BackendJob<>("Open model " + directory.getFileName(),
                progress -> backend.loadModel(directory, progress), this::showModel));
    }

    /** Loads the demo model, and its edit and eval sets when the backend ships them, in the background. */
    public void openDemoModel() {
        submit(new BackendJob<>("Open demo model", progress -> {
            ModelSummary summary = backend.loadDemoModel(progress);
            Path editFile = backend.demoDataset(DatasetRole.EDIT);
            Path evalFile = backend.demoDataset(DatasetRole.EVALUATION);
            List<String> editPrompts = editFile == null ? null : backend.loadDataset(DatasetRole.EDIT, editFile);
            List<String> evalPrompts = evalFile == null ? null : backend.loadDataset(DatasetRole.EVALUATION, evalFile);
            return new DemoLoad(summary, editFile, editPrompts, evalFile, evalPrompts);
        }, loaded -> {
            showModel(loaded.summary());
            if (loaded.editPrompts() != null) {
                summaryPane.setDataset(DatasetRole.EDIT, loaded.editFile(), loaded.editPrompts());
                editSetLoaded.set(true);
            }
            if (loaded.evalPrompts() != null) {
                summaryPane.setDataset(DatasetRole.EVALUATION, loaded.evalFile(), loaded.evalPrompts());
            }
        }));
    }

    /** What opening the demo loaded: the model and, when shipped, its prompt sets. */
    private record DemoLoad(ModelSummary summary, Path editFile, List<String> editPrompts, Path evalFile,
            List<String> evalPrompts) {}

    /** Loads the edit set from {@code file} in the background. */
    public void openEditSet(Path file) {
        openDataset(DatasetRole.EDIT, file);
    }

    /** Loads the eval set from {@code file} in the background. */
    public void openEvalSet(Path file) {
        openDataset(DatasetRole.EVALUATION, file);
    }

    private void openDataset(DatasetRole role, Path file) {
        submit(new BackendJob<>("Open " + role.displayName() + " " + file.getFileName(),
                progress -> backend.loadDataset(role, file),
                prompts -> {
                    summaryPane.setDataset(role, file, prompts);
                    if (role == DatasetRole.EDIT) {
                        editSetLoaded.set(true);
                    }
                    idleMessage.set("Loaded " + prompts.size() + " prompts into the " + role.displayName());
                }));
    }

    /** Scores layers and neurons in the background, then shows the pathway chart. */
    public void locate() {
        submit(new BackendJob<>("Locate",
                progress -> new Located(backend.locate(progress), backend.weightStatistics()),
                located -> {
                    weightStatistics = located.weightStatistics();
                    showLocateResult(located.result());
                }));
    }

    /** Edits the ticked hot spots in the background, then shows the results. */
    public void runEdit() {
        List<HotSpot> hotSpots = hotSpotTable.selectedHotSpots();
        if (hotSpots.isEmpty()) {
            idleMessage.set("Tick at least one hot spot before running an edit");
            return;
        }
        submit(new BackendJob<>("Edit", progress -> new Edited(backend.edit(hotSpots, progress),
                backend.weightStatistics()), edited -> {
            EditSummary summary = edited.summary();
            showWeightStatistics(edited.weightStatistics());
            resultsView.setSummary(summary);
            tabs.getSelectionModel().select(resultsTab);
            idleMessage.set("Edit finished: ASR " + AsrChartView.formatProportion(summary.asrAfter()));
        }));
    }

    /** Builds the contribution graph of {@code prompt} in the background, then shows it in the Contributions tab. */
    public void traceContributions(String prompt) {
        submit(new BackendJob<>("Contribution trace", progress -> backend.contributions(prompt, progress), trace -> {
            contributionView.setGraph(trace.graph(), trace.tokenTexts());
            tabs.getSelectionModel().select(contributionTab);
            idleMessage.set("Contribution trace finished: " + trace.graph().sequenceLength() + " tokens, "
                    + contributionView.visibleEdgeCount() + " edges above the threshold");
        }));
    }

    /** Runs a causal trace of {@code prompt} towards {@code target} in the background, then shows its heatmap. */
    public void traceCausal(String prompt, String target) {
        submit(new BackendJob<>("Causal trace", progress -> backend.causalTrace(prompt, target, progress), result -> {
            causalTraceView.setResult(result);
            tabs.getSelectionModel().select(causalTraceTab);
            idleMessage.set(String.format(Locale.ROOT,
                    "Causal trace finished: clean probability %.4g, corrupted %.4g", result.cleanProbability(),
                    result.corruptedProbability()));
        }));
    }

    /** Cancels the running backend call, if any. */
    public void cancel() {
        if (service.isRunning()) {
            service.cancel();
        }
    }

    /** Restores the original weights in the background; the undone edits stay redoable. */
    public void revert() {
        submit(new BackendJob<>("Revert", progress -> {
            backend.revertEdit();
            return new HistoryChange(backend.editHistory(), backend.weightStatistics());
        }, change -> {
            showHistoryChange(change);
            if (change.history() == null) {
                resultsView.clear();
            }
            idleMessage.set("Reverted to the original weights");
        }));
    }

    /** Reverts the newest applied edit in the background. */
    public void undoEdit() {
        submit(new BackendJob<>("Undo", progress -> new HistoryChange(backend.undoEdit(), backend.weightStatistics()),
                change -> {
                    showHistoryChange(change);
                    idleMessage.set("Undone; " + appliedCount(change.history()));
                }));
    }

    /** Applies the edit undone last again, in the background. */
    public void redoEdit() {
        submit(new BackendJob<>("Redo", progress -> new HistoryChange(backend.redoEdit(), backend.weightStatistics()),
                change -> {
                    showHistoryChange(change);
                    idleMessage.set("Redone; " + appliedCount(change.history()));
                }));
    }

    private static String appliedCount(EditHistoryState history) {
        int count = history.applied().size();
        return count == 1 ? "1 edit applied" : count + " edits applied";
    }

    private void chooseEditedModelDirectory() {
        DirectoryChooser chooser = new DirectoryChooser();
        chooser.setTitle("Save the edited model into a new or empty directory");
        if (lastDirectory != null) {
            chooser.setInitialDirectory(lastDirectory);
        }
        File directory = chooser.showDialog(getScene().getWindow());
        if (directory != null) {
            lastDirectory = directory.getParentFile();
            saveEditedModel(directory.toPath());
        }
    }

    private void chooseDeltaFile() {
        FileChooser chooser = new FileChooser();
        chooser.setTitle("Save the applied edits as a delta file");
        chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("Delta files (*.safetensors)", "*.safetensors"));
        chooser.setInitialFileName("edit-delta.safetensors");
        if (lastDirectory != null) {
            chooser.setInitialDirectory(lastDirectory);
        }
        File file = chooser.showSaveDialog(getScene().getWindow());
        if (file != null) {
            lastDirectory = file.getParentFile();
            saveDelta(file.toPath());
        }
    }

    /** Writes the current weights as a new model directory in the background. */
    public void saveEditedModel(Path directory) {
        submit(new BackendJob<>("Save edited model", progress -> {
            backend.saveEditedModel(directory, progress);
            return directory;
        }, saved -> idleMessage.set("Saved the edited model to " + saved)));
    }

    /** Writes the sum of the applied edits as a delta file in the background. */
    public void saveDelta(Path file) {
        submit(new BackendJob<>("Save delta", progress -> {
            backend.saveDelta(file, progress);
            return file;
        }, saved -> idleMessage.set("Saved the delta to " + saved)));
    }

    /**
     * The demo story: open the demo model, trace an attack prompt, locate, look at the neurons,
     * accept the suggested hot spots, edit, and compare the answers before and after.
     */
    private List<DemoTour.Step> demoSteps() {
        return List.of(
                new DemoTour.Step("open the demo model and its edit and eval prompt sets", this::openDemoModel, true),
                new DemoTour.Step("trace which heads and neurons carry an attack prompt's answer",
                        () -> traceContributions(DEMO_PROMPT), true),
                new DemoTour.Step("locate: score every layer and neuron on the edit set", this::locate, true),
                new DemoTour.Step("the neuron heatmap of the scores; bright cells are hot spots",
                        () -> tabs.getSelectionModel().select(neuronTab), false),
                new DemoTour.Step("accept the suggested hot spots", () -> {
                    tabs.getSelectionModel().select(hotSpotTab);
                    hotSpotTable.acceptSuggested();
                }, false),
                new DemoTour.Step("edit only those weights, then measure ASR before and after", this::runEdit, true),
                new DemoTour.Step("compare the original and the edited model on the same prompt", () -> {
                    comparePrompt.setText(DEMO_PROMPT);
                    compare(DEMO_PROMPT);
                }, true));
    }

    /** Opens the run settings dialog; OK stores the new settings for the next locate and edit. */
    public void editRunSettings() {
        CoreBackend.Settings current = backend.runSettings();
        if (current == null) {
            idleMessage.set("This backend has no settings to change");
            return;
        }
        RunSettingsForm form = new RunSettingsForm(current, backend.cpuThreads(), loadedLayers);
        Dialog<CoreBackend.Settings> dialog = new Dialog<>();
        dialog.setTitle("Run settings");
        dialog.setHeaderText("Settings of the next Locate and Run edit");
        dialog.getDialogPane().setId("runSettingsDialog");
        dialog.getDialogPane().setContent(form);
        dialog.getDialogPane().getButtonTypes().addAll(ButtonType.OK, ButtonType.CANCEL);
        dialog.getDialogPane().lookupButton(ButtonType.OK).disableProperty().bind(form.invalid());
        if (getScene() != null) {
            dialog.initOwner(getScene().getWindow());
            dialog.getDialogPane().getStylesheets().setAll(getScene().getStylesheets());
        }
        dialog.setResultConverter(button -> button == ButtonType.OK ? form.result() : null);
        dialog.showAndWait().ifPresent(settings -> {
            backend.setRunSettings(settings);
            summaryPane.setUsedLimits(settings.maxEditRecords(), settings.maxEvalPrompts());
            String changed = String.format(java.util.Locale.ROOT,
                    "Settings changed: %d edit steps, learning rate %s, %d new tokens per answer",
                    settings.editSettings().steps(), settings.editSettings().learningRate(), settings.maxNewTokens());
            idleMessage.set(changed);
            int threads = form.cpuThreads();
            if (threads > 0 && threads != backend.cpuThreads()) {
                // libtorch keeps the count per thread, so the background thread that runs the model sets it.
                submit(new BackendJob<>("Set CPU threads to " + threads, progress -> {
                    backend.setCpuThreads(threads);
                    return backend.cpuThreads();
                }, applied -> idleMessage.set(changed + ", " + applied + (applied == 1 ? " CPU thread" : " CPU threads")
                        + " per operation")));
            }
        });
    }

    /** Shows in the prompt-set panes how many records the run settings use. */
    private void showUsedLimits() {
        CoreBackend.Settings settings = backend.runSettings();
        if (settings != null) {
            summaryPane.setUsedLimits(settings.maxEditRecords(), settings.maxEvalPrompts());
        }
    }

    /** Plays the demo story on the demo model with pauses between the steps. */
    public void playDemoTour() {
        if (!service.isRunning() && confirmDiscardingEdits("Demo tour")) {
            tour.start();
        }
    }

    /**
     * Asks before {@code action} replaces the loaded model when that would drop edits that no
     * session file keeps (with a session file, autosave has stored them). Returns true to go on.
     */
    private boolean confirmDiscardingEdits(String action) {
        EditHistoryState history = historyView.state();
        int edits = history.applied().size() + history.undone().size();
        if (edits == 0 || sessions.sessionFile() != null) {
            return true;
        }
        ButtonType discard = new ButtonType("Discard the edits", ButtonBar.ButtonData.OK_DONE);
        Alert alert = new Alert(Alert.AlertType.CONFIRMATION, action + " replaces the loaded model. Its " + edits
                + " edit(s) are in no saved session and will be lost. To keep them, cancel and use File > Save "
                + "session first.", discard, ButtonType.CANCEL);
        alert.setTitle(action);
        alert.setHeaderText("Discard the edits of the loaded model?");
        alert.getDialogPane().setId("discardEditsDialog");
        if (getScene() != null) {
            alert.initOwner(getScene().getWindow());
        }
        boolean confirmed = alert.showAndWait().filter(discard::equals).isPresent();
        LOG.info("{}: the user {} discarding {} unsaved edits", action, confirmed ? "confirmed" : "declined", edits);
        return confirmed;
    }

    /** Returns the window title: the application, the loaded model and the session file, when there are. */
    public ReadOnlyStringProperty titleProperty() {
        return title.getReadOnlyProperty();
    }

    /** Returns the colour theme; setting it restyles the window at once. */
    public ObjectProperty<Theme> themeProperty() {
        return theme;
    }

    /** Sets the pause between demo steps; tests use zero. */
    void setDemoPause(Duration pause) {
        tour.setPause(pause);
    }

    /** True while the demo tour runs. */
    ReadOnlyBooleanProperty demoTourRunningProperty() {
        return tour.runningProperty();
    }

    /** Returns how the last demo tour ended, or empty before the first. */
    String demoTourOutcome() {
        return tour.outcome();
    }

    /** Answers {@code prompt} with the original and the edited model in the background, then shows both. */
    public void compare(String prompt) {
        submit(new BackendJob<>("Compare", progress -> backend.compare(prompt, progress), comparison -> {
            compareView.setComparison(comparison);
            tabs.getSelectionModel().select(compareTab);
            idleMessage.set(comparison.hasEdit()
                    ? "Compare finished: " + compareView.changedWordCount() + " words differ"
                    : "Compare finished; no edit is applied, so only the original model answered");
        }));
    }

    /** Result of an undo, redo or revert: the history (null when the backend keeps none) and the weight statistics. */
    private record HistoryChange(EditHistoryState history, java.util.Map<String, float[][]> weightStatistics) {}

    private void showHistoryChange(HistoryChange change) {
        showWeightStatistics(change.weightStatistics());
        showHistory(change.history());
    }

    /**
     * Shows {@code state} in the Edit history tab and the Results tab: the results of the newest
     * applied edit, or none at the original weights. Does nothing when the backend keeps no history.
     */
    private void showHistory(EditHistoryState state) {
        if (state == null) {
            return;
        }
        historyView.setState(state);
        compareView.setAppliedEdits(state.applied().stream().map(EditHistoryState.Item::name).toList());
        canUndo.set(state.canUndo());
        canRedo.set(state.canRedo());
        EditSummary top = state.topSummary();
        if (state.applied().isEmpty()) {
            resultsView.clearWithUndone(state.undone().size());
        } else if (top == null) {
            resultsView.clear();
        } else if (!resultsView.summary().map(top::equals).orElse(false)) {
            resultsView.setSummary(top);
        }
    }

    /** What a locate call produced: the locator's result and the backend's weight statistics. */
    private record Located(LocateResult result, java.util.Map<String, float[][]> weightStatistics) {}

    /** What an edit call produced: its summary and the weight statistics after the edit. */
    private record Edited(EditSummary summary, java.util.Map<String, float[][]> weightStatistics) {}

    /** Replaces the weight statistics in the heatmap, keeping the locator's statistics of the shown result. */
    private void showWeightStatistics(java.util.Map<String, float[][]> statistics) {
        weightStatistics = statistics;
        if (shownLocate != null) {
            heatmap.setStatistics(heatmapStatistics(shownLocate));
        }
    }

    private void submit(BackendJob<?> job) {
        if (service.isRunning()) {
            idleMessage.set("Wait for " + service.job().title() + " to finish or cancel it");
            return;
        }
        service.submit(job);
    }

    private void showModel(ModelSummary summary) {
        modelName.set(summary.name());
        loadedLayers = summary.layerCount();
        summaryPane.setModel(summary);
        summaryPane.setEditApplied(editApplied.get());
        modelLoaded.set(true);
        weightStatistics = java.util.Map.of();
        showLocateResult(null);
        resultsView.clear();
        contributionView.setGraph(null, List.of());
        causalTraceView.setResult(null);
        // A comparison belongs to the model that made it; a reopened session sets its own afterwards.
        compareView.setComparison(null);
        idleMessage.set("Loaded " + summary.name() + " (" + summary.architecture() + ", "
                + summary.layerCount() + " layers)");
    }

    private void showLocateResult(LocateResult result) {
        shownLocate = result;
        if (result == null) {
            pathwayChart.clear();
            heatmap.setData(null);
            hotSpotTable.setResult(null);
            return;
        }
        pathwayChart.setResult(result);
        heatmap.setStatistics(heatmapStatistics(result));
        hotSpotTable.setResult(result);
        tabs.getSelectionModel().select(pathwayTab);
        int neurons = result.suggested().stream().mapToInt(spot -> spot.neurons().size()).sum();
        idleMessage.set("Locate finished: " + neurons + " neurons suggested in layers "
                + pathwayChart.highlightedLayers());
    }

    /** Returns the locator's statistics of {@code result} followed by the backend's weight statistics. */
    private java.util.Map<String, float[][]> heatmapStatistics(LocateResult result) {
        java.util.Map<String, float[][]> statistics = new java.util.LinkedHashMap<>();
        statistics.put(NeuronHeatmapView.DEFAULT_STATISTIC, result.neuronScores());
        statistics.put("activation difference", result.neuronActivationDifference());
        statistics.put("gradient magnitude", result.neuronGradientMagnitude());
        statistics.putAll(weightStatistics);
        return statistics;
    }

    /**
     * Reads {@link WorkbenchBackend#hasAppliedEdit()} once the backend thread is idle, so that
     * after a cancel it reads the state after the cancelled call has returned.
     */
    private void refreshEditState() {
        try {
            executor.execute(() -> {
                boolean applied = backend.hasAppliedEdit();
                EditHistoryState history = readHistory();
                Platform.runLater(() -> {
                    editApplied.set(applied);
                    showHistory(history);
                });
            });
        } catch (RejectedExecutionException closed) {
            LOG.debug("Backend executor is shut down; edit state not refreshed", closed);
        }
    }

    /** Reads the backend's history on the backend thread; null when it keeps none or reading fails. */
    private EditHistoryState readHistory() {
        try {
            return backend.editHistory();
        } catch (Exception error) {
            LOG.error("Reading the edit history failed", error);
            return null;
        }
    }

    /**
     * Cancels any running call, stops the background thread and waits up to
     * {@link #SHUTDOWN_WAIT} for it to end. Call once when the window closes.
     *
     * <p>A cancelled call keeps running until it next checks for cancellation, at the latest after
     * the step it is in (an edit step, a locate record). Closing the backend before then would free
     * the model's arrays under it and crash the JVM in libtorch.
     *
     * @return true when the background thread has ended, so that the backend may be closed. False
     *     when a call was still running: its model must then stay open until the process exits.
     */
    public boolean shutdown() {
        tour.stop();
        summaryPane.stopMemoryRefresh();
        cancel();
        executor.shutdown();
        sessions.awaitAutosave();
        try {
            if (executor.awaitTermination(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
            LOG.warn("The background call did not stop within {} s of the cancel; the model stays open until the "
                    + "process exits", SHUTDOWN_WAIT.toSeconds());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            LOG.warn("Interrupted while waiting for the background call to stop; the model stays open", interrupted);
        }
        return false;
    }

    /**
     * Stops the background thread on a signal (Ctrl-C, SIGTERM), when the window never closed: it
     * interrupts the running call, which core code notices at its next cancellation check, drops
     * queued calls, and waits up to {@code wait} for the thread to end. Exiting while a call is
     * inside libtorch can crash the JVM. Safe to call from a shutdown hook: it touches no JavaFX state.
     *
     * @return false when {@code wait} passed first
     */
    boolean stopBackendOnSignal(java.time.Duration wait) throws InterruptedException {
        executor.shutdownNow();
        return executor.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Ends the process when the background thread is inside a libtorch call now, through
     * {@link org.pkeworkbench.model.io.ImmediateExit#ifInsideLibtorch}, and returns otherwise.
     */
    void exitIfBackendInsideLibtorch(String reason) {
        Thread thread = backendThread;
        if (thread != null) {
            org.pkeworkbench.model.io.ImmediateExit.ifInsideLibtorch(thread, reason);
        }
    }

    /**
     * Waits until the background thread has finished every call queued so far, a cancelled call
     * that is still returning included. The service's running state turns false at the cancel,
     * before that.
     *
     * @return false when {@code wait} passed first
     */
    boolean awaitBackendThread(java.time.Duration wait) throws InterruptedException {
        try {
            executor.submit(() -> { }).get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException late) {
            return false;
        } catch (ExecutionException | RejectedExecutionException impossible) {
            throw new IllegalStateException("The background thread no longer takes calls", impossible);
        }
    }

    /** Returns the session actions: save, open, recent sessions and the moved-model prompt. */
    public SessionController sessions() {
        return sessions;
    }

    /** Reads what a session stores from the views. */
    private SessionView captureSessionView() {
        return new SessionView(shownLocate, hotSpotTable.selectedHotSpots(), resultsView.summary().orElse(null),
                compareView.comparison().orElse(null));
    }

    /** Shows a reopened session: its model, prompt sets, locate result, ticked hot spots, history and results. */
    private void showSession(SessionRestore restored) {
        showModel(restored.model());
        showUsedLimits();
        editSetLoaded.set(restored.editPrompts() != null);
        if (restored.editPrompts() != null) {
            summaryPane.setDataset(DatasetRole.EDIT, restored.editFile(), restored.editPrompts());
        }
        if (restored.evalPrompts() != null) {
            summaryPane.setDataset(DatasetRole.EVALUATION, restored.evalFile(), restored.evalPrompts());
        }
        weightStatistics = restored.weightStatistics();
        showLocateResult(restored.locate());
        hotSpotTable.addHotSpots(restored.selectedHotSpots());
        showHistory(restored.history());
        boolean historyShowsNoEdit = restored.history() != null && restored.history().applied().isEmpty();
        if (restored.results() == null) {
            if (!historyShowsNoEdit) {
                resultsView.clear();
            }
        } else {
            resultsView.setSummary(restored.results());
        }
        compareView.setComparison(restored.comparison());
    }

    /** Returns true while the backend reports an applied edit, as of the last finished call. */
    public boolean isEditApplied() {
        return editApplied.get();
    }

    public ReadOnlyBooleanProperty editAppliedProperty() {
        return editApplied.getReadOnlyProperty();
    }

    /** Returns the service that runs backend calls, for its state, progress and message. */
    public Worker<Object> worker() {
        return service;
    }

    public StatusBar statusBar() {
        return statusBar;
    }

    public PathwayChartView pathwayChart() {
        return pathwayChart;
    }

    public NeuronHeatmapView heatmap() {
        return heatmap;
    }

    public HotSpotTableView hotSpotTable() {
        return hotSpotTable;
    }

    public AsrChartView resultsView() {
        return resultsView;
    }

    public ContributionGraphView contributionView() {
        return contributionView;
    }

    public CausalTraceView causalTraceView() {
        return causalTraceView;
    }

    public EditHistoryView historyView() {
        return historyView;
    }

    public CompareView compareView() {
        return compareView;
    }

    /**
     * Selects the tab titled {@code title}: "Pathways", "Neurons", "Hot spots", "Results", "Edit history",
     * "Compare", "Contributions" or "Causal trace".
     */
    public void selectTab(String title) {
        tabs.getTabs().stream()
                .filter(tab -> tab.getText().equals(title))
                .findFirst()
                .ifPresentOrElse(tab -> tabs.getSelectionModel().select(tab),
                        () -> {
                            throw new IllegalArgumentException("No tab titled '" + title + "'");
                        });
    }

    /** Title of the selected tab. */
    public String selectedTabTitle() {
        return tabs.getSelectionModel().getSelectedItem().getText();
    }

    /** True when a tab has {@code title}. */
    public boolean hasTab(String title) {
        return tabs.getTabs().stream().anyMatch(tab -> tab.getText().equals(title));
    }

    ModelSummaryPane summaryPane() {
        return summaryPane;
    }
}
