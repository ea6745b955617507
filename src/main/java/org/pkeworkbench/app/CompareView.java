package org.pkeworkbench.app;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.scene.text.Text;
import javafx.scene.text.TextFlow;
import org.pkeworkbench.trace.TopToken;

/**
 * The Compare tab's body: the original and the edited model's responses side by side, words that
 * differ highlighted (red on the original side, green on the edited side), and below each response
 * its five most likely first tokens.
 */
public final class CompareView extends ScrollPane {

    private static final String REMOVED_STYLE = "-fx-background-color: #f6c6c6; -fx-padding: 0 2 0 2;";
    private static final String ADDED_STYLE = "-fx-background-color: #bfe8c4; -fx-padding: 0 2 0 2;";

    private final GridPane grid = new GridPane();
    private ModelComparison comparison;
    private WordDiff.Result diff;

    public CompareView() {
        grid.setHgap(16);
        grid.setVgap(8);
        grid.setPadding(new Insets(8));
        for (int column = 0; column < 2; column++) {
            ColumnConstraints constraints = new ColumnConstraints();
            constraints.setPercentWidth(50);
            constraints.setHgrow(Priority.ALWAYS);
            grid.getColumnConstraints().add(constraints);
        }
        setContent(grid);
        setFitToWidth(true);
        setComparison(null);
    }

    /** Shows {@code next}, or a hint when it is null. Call on the JavaFX thread. */
    public void setComparison(ModelComparison next) {
        comparison = next;
        grid.getChildren().clear();
        if (next == null) {
            diff = null;
            grid.add(new Label("Type a prompt or pick an edit-set record, then press Compare"), 0, 0, 2, 1);
            return;
        }

        String editedText = next.hasEdit() ? next.edited().text() : next.original().text();
        diff = WordDiff.of(next.original().text(), editedText);
        grid.add(heading("Original model"), 0, 0);
        grid.add(responseFlow(diff.left(), REMOVED_STYLE, "originalResponse"), 0, 1);
        grid.add(nextTokens(next.original().nextTokens()), 0, 2);
        if (next.hasEdit()) {
            grid.add(heading("Edited model (" + next.appliedEdits().size() + " applied: "
                    + String.join("; ", next.appliedEdits()) + ")"), 1, 0);
            grid.add(responseFlow(diff.right(), ADDED_STYLE, "editedResponse"), 1, 1);
            grid.add(nextTokens(next.edited().nextTokens()), 1, 2);
        } else {
            grid.add(heading("Edited model"), 1, 0);
            Label none = new Label("No edit applied: run an edit or redo one to compare");
            none.setId("noEditLabel");
            grid.add(none, 1, 1);
        }
    }

    private static Label heading(String text) {
        Label label = new Label(text);
        label.setStyle("-fx-font-weight: bold;");
        label.setWrapText(true);
        return label;
    }

    private static TextFlow responseFlow(List<WordDiff.Word> words, String changedStyle, String id) {
        TextFlow flow = new TextFlow();
        flow.setId(id);
        flow.setLineSpacing(4);
        for (int i = 0; i < words.size(); i++) {
            WordDiff.Word word = words.get(i);
            if (word.changed()) {
                Label marked = new Label(word.text());
                marked.setStyle(changedStyle);
                flow.getChildren().add(marked);
            } else {
                flow.getChildren().add(new Text(word.text()));
            }
            if (i < words.size() - 1) {
                flow.getChildren().add(new Text(" "));
            }
        }
        if (words.isEmpty()) {
            flow.getChildren().add(new Text("(empty response)"));
        }
        return flow;
    }

    private static Node nextTokens(List<TopToken> tokens) {
        VBox box = new VBox(2);
        box.getChildren().add(new Label("Most likely first tokens"));
        for (TopToken token : tokens) {
            Label line = new Label(String.format(Locale.ROOT, "%-20s %.3f", tokenLabel(token), token.probability()));
            line.setStyle("-fx-font-family: monospace;");
            box.getChildren().add(line);
        }
        return box;
    }

    /** The token's text in quotes, with line breaks escaped; its id when the text is blank. */
    private static String tokenLabel(TopToken token) {
        String text = token.text().replace("\n", "\\n");
        return text.isBlank() ? "'" + text + "' (id " + token.id() + ")" : "'" + text + "'";
    }

    /** The shown comparison, if any. */
    public Optional<ModelComparison> comparison() {
        return Optional.ofNullable(comparison);
    }

    /** Words that differ between the two shown responses (both sides together); 0 without an edit. */
    public long changedWordCount() {
        if (diff == null || comparison == null || !comparison.hasEdit()) {
            return 0;
        }
        return diff.left().stream().filter(WordDiff.Word::changed).count()
                + diff.right().stream().filter(WordDiff.Word::changed).count();
    }
}
