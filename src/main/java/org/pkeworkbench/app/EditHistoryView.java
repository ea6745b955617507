package org.pkeworkbench.app;

import java.util.ArrayList;
import java.util.List;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.layout.BorderPane;

/**
 * The Edit history tab's list: the applied edits, oldest first with the newest marked as the
 * current state, then the undone edits greyed out in the order Redo applies them.
 */
public final class EditHistoryView extends BorderPane {

    /** One line of the list: an edit and whether it is applied. */
    record Row(EditHistoryState.Item item, boolean applied, boolean top) {}

    private final ListView<Row> list = new ListView<>();
    private EditHistoryState state = EditHistoryState.EMPTY;

    public EditHistoryView() {
        list.setId("historyList");
        list.setPlaceholder(new Label("No edits yet: tick hot spots and run an edit"));
        list.setCellFactory(view -> new RowCell());
        setCenter(list);
    }

    /** Shows {@code next}. Call on the JavaFX thread. */
    public void setState(EditHistoryState next) {
        state = next;
        List<Row> rows = new ArrayList<>();
        List<EditHistoryState.Item> applied = next.applied();
        for (int i = 0; i < applied.size(); i++) {
            rows.add(new Row(applied.get(i), true, i == applied.size() - 1));
        }
        for (EditHistoryState.Item item : next.undone()) {
            rows.add(new Row(item, false, false));
        }
        list.getItems().setAll(rows);
    }

    public EditHistoryState state() {
        return state;
    }

    /** The shown lines' texts, top to bottom, as the cells render them. */
    public List<String> rowTexts() {
        return list.getItems().stream().map(EditHistoryView::text).toList();
    }

    private static String text(Row row) {
        if (!row.applied()) {
            return row.item().name() + "  (undone; Redo applies it again)";
        }
        return row.top() ? row.item().name() + "  (current)" : row.item().name();
    }

    private static final class RowCell extends ListCell<Row> {

        @Override
        protected void updateItem(Row row, boolean empty) {
            super.updateItem(row, empty);
            if (empty || row == null) {
                setText(null);
                setStyle(null);
                return;
            }
            setText(text(row));
            if (!row.applied()) {
                setStyle("-fx-text-fill: #8a8a8a; -fx-font-style: italic;");
            } else if (row.top()) {
                setStyle("-fx-font-weight: bold;");
            } else {
                setStyle(null);
            }
        }
    }
}
