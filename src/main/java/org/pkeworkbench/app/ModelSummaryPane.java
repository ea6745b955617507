package org.pkeworkbench.app;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javafx.animation.Animation;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.geometry.Pos;
import javafx.scene.control.ComboBox;
import javafx.scene.layout.HBox;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.control.OverrunStyle;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TitledPane;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.util.Duration;
import org.pkeworkbench.model.DeviceMemory;

/** Side panel: the loaded model's facts, whether its weights are edited, and the loaded prompt sets. */
final class ModelSummaryPane extends VBox {

    static final double WIDTH = 300;

    private final GridPane modelGrid = new GridPane();
    private final Label weightsState = new Label("–");
    private final Label memoryLabel = new Label();
    /** The loaded model's GPU, whose memory the memory row also shows; null on the CPU. */
    private Device gpu;
    private final ComboBox<String> deviceChoice = new ComboBox<>(FXCollections.observableArrayList("auto", "cpu", "gpu"));
    private final Timeline memoryRefresh = new Timeline(new KeyFrame(Duration.seconds(2), event -> refreshMemory()));
    private final Map<DatasetRole, TitledPane> datasetPanes = new EnumMap<>(DatasetRole.class);
    private final Map<DatasetRole, ListView<String>> datasetLists = new EnumMap<>(DatasetRole.class);
    private final Map<DatasetRole, Path> datasetFiles = new EnumMap<>(DatasetRole.class);
    private final Map<DatasetRole, Integer> usedLimits = new EnumMap<>(DatasetRole.class);

    ModelSummaryPane() {
        setPrefWidth(WIDTH);
        setMinWidth(220);
        setMaxWidth(WIDTH);
        setSpacing(6);
        setPadding(new Insets(6));

        modelGrid.setHgap(10);
        modelGrid.setVgap(3);
        ColumnConstraints nameColumn = new ColumnConstraints();
        nameColumn.setMinWidth(Region.USE_PREF_SIZE);
        ColumnConstraints valueColumn = new ColumnConstraints();
        valueColumn.setMinWidth(0);
        valueColumn.setHgrow(Priority.ALWAYS);
        modelGrid.getColumnConstraints().addAll(nameColumn, valueColumn);
        weightsState.setId("weightsStateLabel");
        memoryLabel.setId("processMemoryLabel");
        memoryLabel.setWrapText(true);
        memoryRefresh.setCycleCount(Animation.INDEFINITE);
        memoryRefresh.play();
        TitledPane modelPane = new TitledPane("Model", modelGrid);
        modelPane.setCollapsible(false);
        setModel(null);
        deviceChoice.setId("deviceChoice");
        deviceChoice.setTooltip(new Tooltip("auto: a GPU when libtorch sees one, else the CPU. "
                + "The choice applies when the next model is opened."));
        HBox deviceRow = new HBox(6, new Label("Device for the next model"), deviceChoice);
        deviceRow.setAlignment(Pos.CENTER_LEFT);
        getChildren().addAll(modelPane, deviceRow);

        for (DatasetRole role : DatasetRole.values()) {
            ListView<String> prompts = new ListView<>();
            prompts.setId(role.name().toLowerCase(Locale.ROOT) + "PromptList");
            prompts.setPlaceholder(new Label("No " + role.displayName() + " loaded"));
            prompts.setCellFactory(list -> new PromptCell());
            prompts.setMinWidth(0);
            TitledPane pane = new TitledPane(capitalise(role.displayName()), prompts);
            pane.setMinWidth(0);
            pane.setMaxHeight(Double.MAX_VALUE);
            VBox.setVgrow(pane, Priority.ALWAYS);
            datasetPanes.put(role, pane);
            datasetLists.put(role, prompts);
            getChildren().add(pane);
        }
    }

    /** Shows {@code summary}, or "No model loaded" when it is null. */
    void setModel(ModelSummary summary) {
        modelGrid.getChildren().clear();
        gpu = summary == null ? null : CoreBackend.gpuOf(summary.device());
        if (summary == null) {
            modelGrid.add(new Label("No model loaded"), 0, 0, 2, 1);
            return;
        }
        int row = 0;
        addFact(row++, "Name", summary.name());
        addFact(row++, "Architecture", summary.architecture());
        addFact(row++, "Decoder layers", Integer.toString(summary.layerCount()));
        addFact(row++, "Hidden size", Integer.toString(summary.hiddenSize()));
        addFact(row++, "MLP neurons per layer", Integer.toString(summary.intermediateSize()));
        addFact(row++, "Parameters", formatCount(summary.parameterCount()));
        addFact(row++, "Data type", summary.dataType());
        addFact(row++, "Device", summary.device());
        if (!summary.deviceReason().isEmpty()) {
            // The first sentence gives the reason and the rest (how to set up a GPU) goes to the tooltip,
            // so the prompt lists below keep their room.
            String full = summary.deviceReason();
            int end = full.indexOf(". ");
            String brief = end > 0 ? full.substring(0, end + 1) + " Hover for how to use a GPU." : full;
            Label reason = addWideFact(row, "Why this device", new Label(brief));
            Tooltip details = new Tooltip(full);
            details.setWrapText(true);
            details.setPrefWidth(420);
            reason.setTooltip(details);
            reason.setId("deviceReasonLabel");
            row += 2;
        }
        if (summary.weightBytes() >= 0) {
            addFact(row++, "Weights in memory", formatBytes(summary.weightBytes()));
        }
        addWideFact(row, "Process memory", memoryLabel);
        row += 2;
        refreshMemory();
        if (summary.directory() != null) {
            Label directory = addFact(row++, "Directory", summary.directory().toAbsolutePath().normalize().toString());
            directory.setTextOverrun(OverrunStyle.LEADING_ELLIPSIS);
        }
        modelGrid.add(new Label("Weights"), 0, row);
        modelGrid.add(weightsState, 1, row);
    }

    /** Returns the device chooser: auto, cpu or gpu, for the next model to open. */
    ComboBox<String> deviceChoice() {
        return deviceChoice;
    }

    /** Stops the periodic memory reading; call when the window closes. */
    void stopMemoryRefresh() {
        memoryRefresh.stop();
    }

    /**
     * Shows the Java heap in use and the process's resident memory, which includes libtorch's native
     * memory on the CPU, and for a model on a GPU the memory in use there.
     */
    void refreshMemory() {
        ProcessMemory memory = ProcessMemory.read();
        String text = "heap " + formatBytes(memory.heapUsedBytes()) + " of " + formatBytes(memory.heapMaxBytes());
        if (memory.residentBytes() >= 0) {
            text += "; resident " + formatBytes(memory.residentBytes());
        }
        if (gpu != null) {
            text += DeviceMemory.read(gpu)
                    .map(reading -> "; GPU " + formatBytes(reading.usedBytes()) + " of "
                            + formatBytes(reading.totalBytes()) + " in use by all processes")
                    .orElse("; GPU memory unknown (the CUDA runtime library could not be read)");
        }
        memoryLabel.setText(text);
        memoryLabel.setTooltip(new Tooltip(text));
    }

    /** Formats a byte count with a binary unit, for example "1.0 MiB" or "13.5 GiB". */
    static String formatBytes(long bytes) {
        if (bytes < 0) {
            return "unknown";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    void setEditApplied(boolean applied) {
        weightsState.setText(applied ? "edited" : "original");
    }

    /** Shows the prompts of the {@code role} set loaded from {@code file}. */
    void setDataset(DatasetRole role, Path file, List<String> prompts) {
        datasetFiles.put(role, file);
        datasetLists.get(role).getItems().setAll(prompts);
        refreshDatasetTitle(role);
    }

    /**
     * Shows how many records of each set a run uses: the first {@code editRecords} of the edit set
     * and the first {@code evalPrompts} of the eval set, 0 meaning all.
     */
    void setUsedLimits(int editRecords, int evalPrompts) {
        usedLimits.put(DatasetRole.EDIT, editRecords);
        usedLimits.put(DatasetRole.EVALUATION, evalPrompts);
        for (DatasetRole role : DatasetRole.values()) {
            refreshDatasetTitle(role);
        }
    }

    /** Returns the title of the {@code role} set's pane, for example "Edit set: 60 prompts (a.jsonl), first 8 used". */
    String datasetTitle(DatasetRole role) {
        return datasetPanes.get(role).getText();
    }

    /** Returns the text of the {@code role} set's title tooltip, or null before a set is loaded. */
    String datasetTooltip(DatasetRole role) {
        Tooltip tooltip = datasetPanes.get(role).getTooltip();
        return tooltip == null ? null : tooltip.getText();
    }

    /**
     * Sets the title of the {@code role} set's pane and its tooltip. The panel is narrow, so the
     * title is often cut short, and the tooltip repeats it in full above the file's whole path.
     */
    private void refreshDatasetTitle(DatasetRole role) {
        Path file = datasetFiles.get(role);
        if (file == null) {
            return;
        }
        String fileName = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        int count = datasetLists.get(role).getItems().size();
        int limit = usedLimits.getOrDefault(role, 0);
        String used = limit > 0 && limit < count ? ", first " + limit + " used" : "";
        String title = capitalise(role.displayName()) + ": " + count + " prompts (" + fileName + ")" + used;

        TitledPane pane = datasetPanes.get(role);
        pane.setText(title);
        Tooltip tooltip = new Tooltip(title + "\n" + file.toAbsolutePath().normalize());
        tooltip.setWrapText(true);
        tooltip.setMaxWidth(600);
        pane.setTooltip(tooltip);
    }

    /** Returns the live list of prompts shown for {@code role}, for controls that offer the same prompts. */
    ObservableList<String> promptItems(DatasetRole role) {
        return datasetLists.get(role).getItems();
    }

    /** Returns the prompts shown for {@code role}. */
    List<String> prompts(DatasetRole role) {
        return List.copyOf(datasetLists.get(role).getItems());
    }

    /** Adds {@code name} on row {@code row} and {@code value} below it across both columns, wrapped. */
    private Label addWideFact(int row, String name, Label value) {
        value.setWrapText(true);
        value.setMinHeight(Region.USE_PREF_SIZE);
        value.setMaxWidth(WIDTH - 30);
        value.setPadding(new Insets(0, 0, 2, 12));
        value.setTooltip(new Tooltip(value.getText()));
        modelGrid.add(new Label(name), 0, row, 2, 1);
        modelGrid.add(value, 0, row + 1, 2, 1);
        return value;
    }

    private Label addFact(int row, String name, String value) {
        Label valueLabel = new Label(value);
        valueLabel.setTooltip(new Tooltip(value));
        valueLabel.setMinWidth(0);
        modelGrid.add(new Label(name), 0, row);
        modelGrid.add(valueLabel, 1, row);
        return valueLabel;
    }

    /** Formats a parameter count with a K, M or B suffix, for example "260.1 K" or "8.03 B". */
    static String formatCount(long count) {
        if (count >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2f B", count / 1e9);
        }
        if (count >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.1f M", count / 1e6);
        }
        if (count >= 1_000L) {
            return String.format(Locale.ROOT, "%.1f K", count / 1e3);
        }
        return Long.toString(count);
    }

    private static String capitalise(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    /** One prompt per line, cut to the cell width, the whole prompt as a tooltip. */
    private static final class PromptCell extends ListCell<String> {

        private PromptCell() {
            // A zero preferred width makes the list fit its cells to the visible width, so long
            // prompts end in an ellipsis instead of widening the list.
            setPrefWidth(0);
        }

        @Override
        protected void updateItem(String prompt, boolean empty) {
            super.updateItem(prompt, empty);
            if (empty || prompt == null) {
                setText(null);
                setTooltip(null);
                return;
            }
            setText(prompt.replace('\n', ' '));
            setTooltip(new Tooltip(prompt));
        }
    }
}
