package org.pkeworkbench.app;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;
import javafx.beans.binding.Bindings;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.cell.CheckBoxTableCell;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateResult;

/**
 * Table of hot spots to edit: the suggested ones and the top neurons of every other scored layer.
 * The user ticks the rows to include, or presses "Accept suggested" to tick exactly the suggested
 * rows.
 */
public final class HotSpotTableView extends BorderPane {

    private static final int PREVIEW_NEURONS = 8;

    private final ObservableList<Row> rows = FXCollections.observableArrayList();
    private final TableView<Row> table = new TableView<>(rows);
    private final ReadOnlyIntegerWrapper selectedCount = new ReadOnlyIntegerWrapper(this, "selectedCount", 0);

    /** True while a job runs or the demo tour plays: the ticks cannot be changed from the table then. */
    private final BooleanProperty locked = new SimpleBooleanProperty(this, "locked", false);

    /** Neuron scores of the last result, {@code [layers][neurons]}, or null. Added rows take their score share from it. */
    private float[][] scores;

    public HotSpotTableView() {
        table.setId("hotSpotTable");
        table.editableProperty().bind(locked.not());
        table.setPlaceholder(new Label("Run Locate to list hot spots"));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.getColumns().addAll(List.of(
                includeColumn(),
                column("Layer", 70, row -> row.candidate.hotSpot().layer()),
                column("Suggested", 90, row -> row.candidate.suggested() ? "yes" : ""),
                column("Neurons", 80, row -> row.candidate.hotSpot().neurons().size()),
                column("Score share", 100, row -> formatShare(row.candidate.scoreShare())),
                column("Neuron indices", 360, row -> previewNeurons(row.candidate.hotSpot().neurons()))));
        setCenter(table);

        Button acceptSuggested = new Button("Accept suggested");
        acceptSuggested.setId("acceptSuggestedButton");
        acceptSuggested.setOnAction(event -> acceptSuggested());
        Button clearSelection = new Button("Clear");
        clearSelection.setId("clearHotSpotsButton");
        clearSelection.setOnAction(event -> clearSelection());
        acceptSuggested.disableProperty().bind(Bindings.isEmpty(rows).or(locked));
        clearSelection.disableProperty().bind(selectedCount.isEqualTo(0).or(locked));

        Label hint = new Label("Score share: the hot spot's part of its layer's total neuron score.");
        HBox buttons = new HBox(8, acceptSuggested, clearSelection, hint);
        buttons.setAlignment(Pos.CENTER_LEFT);
        buttons.setPadding(new Insets(6, 8, 6, 8));
        setBottom(buttons);
    }

    /**
     * Returns the property that locks the table's ticks and buttons while a job runs, so that what
     * the user sees ticked is what a running edit uses. The methods below still change the table.
     */
    public BooleanProperty lockedProperty() {
        return locked;
    }

    /** Lists the hot spots of {@code result} with none ticked, or empties the table when it is null. */
    public void setResult(LocateResult result) {
        rows.clear();
        scores = result == null ? null : result.neuronScores();
        if (result != null) {
            for (HotSpotCandidate candidate : HotSpotCandidate.from(result)) {
                rows.add(newRow(candidate, false));
            }
        }
        updateSelectedCount();
    }

    /**
     * Adds {@code hotSpots}, for example a region selected on the neuron heatmap, as ticked rows.
     * A hot spot whose layer already has a row is merged into the first such row: the row gets the
     * union of the neurons, keeps its "suggested" mark and is ticked. Other hot spots become new
     * unsuggested rows, placed in layer order.
     */
    public void addHotSpots(List<HotSpot> hotSpots) {
        for (HotSpot hotSpot : hotSpots) {
            int existing = indexOfLayer(hotSpot.layer());
            if (existing >= 0) {
                HotSpotCandidate old = rows.get(existing).candidate;
                List<Integer> merged = new ArrayList<>(old.hotSpot().neurons());
                merged.addAll(hotSpot.neurons());
                HotSpot union = new HotSpot(hotSpot.layer(), merged);
                rows.set(existing, newRow(new HotSpotCandidate(union, old.suggested(), HotSpotCandidate.scoreShare(scores, union)), true));
            } else {
                Row row = newRow(new HotSpotCandidate(hotSpot, false, HotSpotCandidate.scoreShare(scores, hotSpot)), true);
                rows.add(insertionIndex(hotSpot.layer()), row);
            }
        }
        updateSelectedCount();
    }

    private Row newRow(HotSpotCandidate candidate, boolean included) {
        Row row = new Row(candidate);
        row.included.set(included);
        row.included.addListener((observable, wasIncluded, isIncluded) -> updateSelectedCount());
        return row;
    }

    private int indexOfLayer(int layer) {
        for (int index = 0; index < rows.size(); index++) {
            if (rows.get(index).candidate.hotSpot().layer() == layer) {
                return index;
            }
        }
        return -1;
    }

    /** Returns the index of the first row of a later layer, or the row count. */
    private int insertionIndex(int layer) {
        for (int index = 0; index < rows.size(); index++) {
            if (rows.get(index).candidate.hotSpot().layer() > layer) {
                return index;
            }
        }
        return rows.size();
    }

    /** Ticks every suggested row and unticks all others. */
    public void acceptSuggested() {
        for (Row row : rows) {
            row.included.set(row.candidate.suggested());
        }
    }

    /** Unticks every row. */
    public void clearSelection() {
        for (Row row : rows) {
            row.included.set(false);
        }
    }

    /** Ticks or unticks the row at {@code index}, in table order. */
    public void setIncluded(int index, boolean included) {
        rows.get(index).included.set(included);
    }

    /** Returns the hot spots of the ticked rows, in table order. */
    public List<HotSpot> selectedHotSpots() {
        return rows.stream().filter(row -> row.included.get()).map(row -> row.candidate.hotSpot()).toList();
    }

    /** Returns the hot spots of all suggested rows, in table order. */
    public List<HotSpot> suggestedHotSpots() {
        return rows.stream().filter(row -> row.candidate.suggested()).map(row -> row.candidate.hotSpot()).toList();
    }

    /** Returns the number of rows, ticked or not. */
    public int rowCount() {
        return rows.size();
    }

    /** Number of ticked rows. */
    public ReadOnlyIntegerProperty selectedCountProperty() {
        return selectedCount.getReadOnlyProperty();
    }

    private void updateSelectedCount() {
        selectedCount.set((int) rows.stream().filter(row -> row.included.get()).count());
    }

    private TableColumn<Row, Boolean> includeColumn() {
        TableColumn<Row, Boolean> include = new TableColumn<>("Include");
        include.setCellValueFactory(features -> features.getValue().included);
        include.setCellFactory(CheckBoxTableCell.forTableColumn(include));
        include.setEditable(true);
        include.setPrefWidth(70);
        return include;
    }

    private static <T> TableColumn<Row, T> column(String title, double width, Function<Row, T> value) {
        TableColumn<Row, T> column = new TableColumn<>(title);
        column.setCellValueFactory(features -> new ReadOnlyObjectWrapper<>(value.apply(features.getValue())));
        column.setPrefWidth(width);
        column.setEditable(false);
        return column;
    }

    static String previewNeurons(List<Integer> neurons) {
        String preview = neurons.stream().limit(PREVIEW_NEURONS).map(String::valueOf).collect(Collectors.joining(", "));
        int hidden = neurons.size() - PREVIEW_NEURONS;
        return hidden > 0 ? preview + ", … (+" + hidden + " more)" : preview;
    }

    private static String formatShare(double share) {
        return Double.isNaN(share) ? "–" : String.format(Locale.ROOT, "%.1f%%", 100 * share);
    }

    /** A table row: a candidate and whether the user included it. */
    static final class Row {

        private final HotSpotCandidate candidate;
        private final BooleanProperty included = new SimpleBooleanProperty(false);

        private Row(HotSpotCandidate candidate) {
            this.candidate = candidate;
        }
    }
}
