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
 * The Compare tab's body: the original and the edited model's responses side by side, with the
 * words that differ highlighted (red on the original side, green on the edited side). Below each
 * response are its five most likely first tokens, its logit lens at the prompt's last token, and
 * its MLP neuron activations there, followed by a heatmap of their change.
 */
public final class CompareView extends ScrollPane {

    private static final String REMOVED_STYLE = "-fx-background-color: #f6c6c6; -fx-padding: 0 2 0 2;";
    private static final String ADDED_STYLE = "-fx-background-color: #bfe8c4; -fx-padding: 0 2 0 2;";

    /** Width in pixels of each activation heatmap; wider layers are reduced to this many columns. */
    private static final double STRIP_WIDTH = 420;

    private final GridPane grid = new GridPane();
    /** Notice of why the shown comparison no longer matches the prompt field or the applied edits, hidden when it matches. */
    private final Label staleNotice = new Label();
    private ModelComparison comparison;
    /** The text of the prompt field, or null until the window reports it. */
    private String promptInField;
    /** The names of the edits applied now, oldest first, or null until the window reports them. */
    private List<String> appliedNow;
    private WordDiff.Result diff;
    private int differingLensRows;
    private double activationChange;

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
        staleNotice.setId("compareStaleNotice");
        staleNotice.setWrapText(true);
        staleNotice.setMaxWidth(Double.MAX_VALUE);
        staleNotice.setStyle("-fx-background-color: #fff3cd; -fx-padding: 6; -fx-text-fill: #5c4400;");
        staleNotice.managedProperty().bind(staleNotice.visibleProperty());
        VBox content = new VBox(4, staleNotice, grid);
        content.setPadding(new Insets(4, 0, 0, 0));
        setContent(content);
        setFitToWidth(true);
        setComparison(null);
    }

    /** Tells the view the prompt field's text, so that answers to another prompt get a notice. Call on the JavaFX thread. */
    public void setPromptInField(String text) {
        promptInField = text;
        updateStaleNotice();
    }

    /** Tells the view the names of the edits applied now, so that answers from other weights get a notice. Call on the JavaFX thread. */
    public void setAppliedEdits(List<String> names) {
        appliedNow = List.copyOf(names);
        updateStaleNotice();
    }

    /** Returns the notice above a comparison that no longer matches the prompt or the weights, or "" when it matches. */
    public String staleNotice() {
        return staleNotice.isVisible() ? staleNotice.getText() : "";
    }

    private void updateStaleNotice() {
        List<String> reasons = new java.util.ArrayList<>();
        if (comparison != null && promptInField != null && !promptInField.equals(comparison.prompt())) {
            reasons.add("These answers are to the prompt \"" + excerpt(comparison.prompt())
                    + "\", not to the one above.");
        }
        if (comparison != null && appliedNow != null && !appliedNow.equals(comparison.appliedEdits())) {
            reasons.add("The applied edits changed since this comparison: " + (appliedNow.isEmpty()
                    ? "now none is applied."
                    : "now " + appliedNow.size() + " applied (" + String.join("; ", appliedNow) + ")."));
        }
        staleNotice.setVisible(!reasons.isEmpty());
        staleNotice.setText(reasons.isEmpty() ? "" : String.join(" ", reasons) + " Press Compare to compare again.");
    }

    /** Shows {@code next}, or a hint when it is null. Call on the JavaFX thread. */
    public void setComparison(ModelComparison next) {
        comparison = next;
        grid.getChildren().clear();
        differingLensRows = 0;
        activationChange = 0;
        updateStaleNotice();
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
        addLens(next);
        addActivations(next);
    }

    /** Rows 3 and 4: each model's logit lens at the prompt's last token; rows that differ in red/green. */
    private void addLens(ModelComparison next) {
        List<TopToken> original = next.original().lens();
        if (original.isEmpty()) {
            return;
        }
        grid.add(heading("Logit lens at the last prompt token: most likely next token after each layer"), 0, 3, 2, 1);
        List<TopToken> edited = next.hasEdit() ? next.edited().lens() : List.of();
        differingLensRows = 0;
        for (int row = 0; row < edited.size() && row < original.size(); row++) {
            if (edited.get(row).id() != original.get(row).id()) {
                differingLensRows++;
            }
        }
        grid.add(lensTable(original, edited, REMOVED_STYLE, "originalLens"), 0, 4);
        if (!edited.isEmpty()) {
            grid.add(lensTable(edited, original, ADDED_STYLE, "editedLens"), 1, 4);
        }
    }

    private static GridPane lensTable(List<TopToken> lens, List<TopToken> other, String changedStyle, String id) {
        GridPane table = new GridPane();
        table.setId(id);
        table.setHgap(12);
        for (int row = 0; row < lens.size(); row++) {
            TopToken token = lens.get(row);
            Label layer = new Label(row == 0 ? "embedding" : "layer " + (row - 1));
            Label value = new Label(String.format(Locale.ROOT, "%-20s %.3f", tokenLabel(token), token.probability()));
            value.setStyle("-fx-font-family: monospace;");
            if (!other.isEmpty() && other.get(row).id() != token.id()) {
                value.setStyle(value.getStyle() + changedStyle);
            }
            table.addRow(row, layer, value);
        }
        return table;
    }

    /** Rows 5 to 7: each model's MLP activations at the prompt's last token, then their difference. */
    private void addActivations(ModelComparison next) {
        float[][] original = next.original().neuronActivations();
        if (original.length == 0) {
            return;
        }
        grid.add(heading("MLP neuron activations at the last prompt token (rows: layers from 0 at the top; "
                + "red positive, blue negative)"), 0, 5, 2, 1);
        float[][] edited = next.hasEdit() ? next.edited().neuronActivations() : null;
        double scale = edited == null ? ActivationStrip.maxMagnitude(original)
                : ActivationStrip.maxMagnitude(original, edited);
        grid.add(new ActivationStrip(original, scale, STRIP_WIDTH), 0, 6);
        if (edited == null) {
            activationChange = 0;
            return;
        }
        grid.add(new ActivationStrip(edited, scale, STRIP_WIDTH), 1, 6);
        float[][] change = ActivationStrip.difference(original, edited);
        activationChange = ActivationStrip.largestMagnitude(change);
        double changeScale = ActivationStrip.maxMagnitude(change);
        VBox changeBox = new VBox(4, new Label(String.format(Locale.ROOT,
                "Edited minus original (full colour at %.3g)", changeScale)),
                new ActivationStrip(change, changeScale, STRIP_WIDTH));
        changeBox.setId("activationChange");
        grid.add(changeBox, 0, 7, 2, 1);
    }

    /** Returns {@code text} on one line, cut to 80 characters with an ellipsis. */
    private static String excerpt(String text) {
        String line = text.replaceAll("\\s+", " ").strip();
        return line.length() <= 80 ? line : line.substring(0, 79) + "…";
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

    /** Logit-lens rows whose most likely token differs between the two models; 0 without an edit. */
    public int differingLensRows() {
        return differingLensRows;
    }

    /** Returns the largest change of one MLP activation at the last prompt token, 0 without an edit. */
    public double activationChange() {
        return activationChange;
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
