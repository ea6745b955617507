package org.pkeworkbench.app;

import java.util.Locale;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Region;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.model.LibtorchThreads;

/**
 * The form behind Run > Settings: the edit and evaluation settings a user changes most, as text
 * fields checked on every key stroke. {@link #result()} builds the new settings from the current
 * ones, so settings the form does not show (loss weights, locality prompts, the device) stay.
 * When the backend can change libtorch's threads, the form also shows them ({@link #cpuThreads()}).
 * They belong to the machine, not to the session, so they are not part of the settings.
 */
final class RunSettingsForm extends GridPane {

    private final CoreBackend.Settings current;
    private final TextField steps = field("editStepsField", "Adam steps of one edit, at least 1");
    private final TextField learningRate = field("learningRateField", "Adam learning rate, above 0, e.g. 0.005");
    private final TextField maxNewTokens = field("maxNewTokensField", "tokens generated per answer, at least 1");
    private final TextField editRecords = field("editRecordsField", "edit-set records used, 0 for all");
    private final TextField evalPrompts = field("evalPromptsField", "prompts per evaluation set, 0 for all");
    private final TextField hotSpotLayers = field("hotSpotLayersField", "layers Locate suggests, at least 1");
    private final TextField neuronShare = field("neuronShareField",
            "share of each suggested layer's neurons, in (0, 1], e.g. 0.2");
    private final TextField cpuThreads = field("cpuThreadsField", "threads libtorch runs one CPU operation on, 1 to "
            + LibtorchThreads.maximum() + " (this machine's processors); fewer are faster when other programs keep "
            + "cores busy");
    /** The thread count shown when the form opened; 0 hides the field. */
    private final int currentThreads;
    /** The loaded model's decoder layers, the most hot-spot layers Locate can suggest; 0 when no model is loaded. */
    private final int modelLayers;
    private final Label problem = new Label();
    private final Label warning = new Label();
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper(this, "error", "");

    /**
     * @param current the settings the fields start from
     * @param currentThreads libtorch's threads per CPU operation, or 0 to leave them out of the form
     * @param modelLayers the loaded model's decoder layers, or 0 when no model is loaded
     */
    RunSettingsForm(CoreBackend.Settings current, int currentThreads, int modelLayers) {
        this.current = current;
        this.currentThreads = currentThreads;
        this.modelLayers = modelLayers;
        setHgap(12);
        setVgap(6);
        setPadding(new Insets(12));

        EditSettings edit = current.editSettings();
        steps.setText(Integer.toString(edit.steps()));
        learningRate.setText(Double.toString(edit.learningRate()));
        maxNewTokens.setText(Integer.toString(current.maxNewTokens()));
        editRecords.setText(Integer.toString(current.maxEditRecords()));
        evalPrompts.setText(Integer.toString(current.maxEvalPrompts()));
        hotSpotLayers.setText(Integer.toString(current.locateSettings().layerCount()));
        neuronShare.setText(Double.toString(current.locateSettings().selectionValue()));

        int row = 0;
        addRow(row++, new Label("Edit method"), new Label(edit.method().toUpperCase(Locale.ROOT)
                + " (other methods: the compare-methods command)"));
        addRow(row++, new Label("Edit steps"), steps);
        addRow(row++, new Label("Learning rate"), learningRate);
        addRow(row++, new Label("Max new tokens per answer"), maxNewTokens);
        addRow(row++, new Label("Edit records used (0 = all)"), editRecords);
        addRow(row++, new Label("Eval prompts per set (0 = all)"), evalPrompts);
        addRow(row++, new Label("Hot-spot layers"), hotSpotLayers);
        addRow(row++, new Label("Neuron share per layer"), neuronShare);
        if (currentThreads > 0) {
            cpuThreads.setText(Integer.toString(currentThreads));
            addRow(row++, new Label("CPU threads per operation"), cpuThreads);
        }
        problem.setId("settingsProblemLabel");
        problem.setStyle("-fx-text-fill: #b00020;");
        problem.setWrapText(true);
        problem.setMaxWidth(420);
        // A wrapped message takes more lines than the dialog first reserved; the dialog grows in validate().
        problem.setMinHeight(Region.USE_PREF_SIZE);
        add(problem, 0, row++, 2, 1);
        warning.setId("settingsWarningLabel");
        warning.setStyle("-fx-text-fill: #8a5a00;");
        warning.setWrapText(true);
        warning.setMaxWidth(420);
        warning.setMinHeight(Region.USE_PREF_SIZE);
        add(warning, 0, row, 2, 1);

        for (TextField each : new TextField[] {steps, learningRate, maxNewTokens, editRecords, evalPrompts,
                hotSpotLayers, neuronShare, cpuThreads}) {
            each.textProperty().addListener((observable, oldText, newText) -> validate());
        }
        validate();
    }

    /** Returns the first problem with the entered values, empty when all are valid. */
    ReadOnlyStringProperty errorProperty() {
        return error.getReadOnlyProperty();
    }

    /** Returns a binding that is true while some value is invalid. */
    BooleanBinding invalid() {
        return Bindings.isNotEmpty(error);
    }

    /**
     * Returns the current settings with the entered values.
     *
     * @throws IllegalArgumentException naming the field when a value is invalid
     */
    CoreBackend.Settings result() {
        EditSettings edit = current.editSettings()
                .withSteps(integer(steps, "Edit steps", 1))
                .withLearningRate(positive(learningRate, "Learning rate"));
        LocateSettings locate = current.locateSettings();
        double share = positive(neuronShare, "Neuron share per layer");
        if (share > 1) {
            throw new IllegalArgumentException("Neuron share per layer must be at most 1, got " + share);
        }
        int layers = integer(hotSpotLayers, "Hot-spot layers", 1);
        if (modelLayers > 0 && layers > modelLayers) {
            throw new IllegalArgumentException("Hot-spot layers must be at most " + modelLayers
                    + ", the decoder layers of the loaded model, got " + layers);
        }
        LocateSettings newLocate = new LocateSettings(layers,
                LocateSettings.NeuronSelection.FRACTION, share, locate.hiddenDifferenceWeight(),
                locate.gradientWeight(), locate.logitLensWeight(), locate.neuronRanking(), locate.probeSteps());
        return new CoreBackend.Settings(current.device(), edit, newLocate,
                integer(maxNewTokens, "Max new tokens per answer", 1), current.localityCount(),
                integer(editRecords, "Edit records used", 0), integer(evalPrompts, "Eval prompts per set", 0));
    }

    /**
     * Returns the entered thread count, or 0 when the form does not show it.
     *
     * @throws IllegalArgumentException naming the field when the count is invalid
     */
    int cpuThreads() {
        if (currentThreads == 0) {
            return 0;
        }
        int threads = integer(cpuThreads, "CPU threads per operation", 1);
        LibtorchThreads.problem("CPU threads per operation", threads).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
        return threads;
    }

    private void validate() {
        String message;
        try {
            result();
            cpuThreads();
            message = "";
        } catch (IllegalArgumentException invalidValue) {
            message = invalidValue.getMessage();
        }
        error.set(message);
        problem.setText(message);
        warning.setText(message.isEmpty() ? learningRateWarning() : "");
        if (getScene() != null && getScene().getWindow() != null) {
            getScene().getWindow().sizeToScene();
        }
    }

    /** Returns a warning for a valid but very high learning rate, or "" for another. */
    private String learningRateWarning() {
        double rate = Double.parseDouble(learningRate.getText().trim());
        if (rate <= 1) {
            return "";
        }
        return "A learning rate above 1 lets Adam move each edited weight by up to about that much per step, far "
                + "more than the weights' size; PKE's default is 0.005. The edit stops when the edited model no longer "
                + "predicts text, but a model broken less visibly is applied.";
    }

    private static int integer(TextField field, String name, int minimum) {
        String text = field.getText().trim();
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException notANumber) {
            if (text.matches("\\+?\\d+")) {
                throw new IllegalArgumentException(name + " must be at most " + Integer.MAX_VALUE + ", got " + text);
            }
            throw new IllegalArgumentException(name + " must be a whole number, got '" + text + "'");
        }
        if (value < minimum) {
            throw new IllegalArgumentException(name + " must be at least " + minimum + ", got " + value);
        }
        return value;
    }

    private static double positive(TextField field, String name) {
        String text = field.getText().trim();
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException notANumber) {
            throw new IllegalArgumentException(name + " must be a number, got '" + text + "'");
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be a finite number, got " + text);
        }
        if (!(value > 0)) {
            throw new IllegalArgumentException(name + " must be above 0, got " + text);
        }
        return value;
    }

    private static TextField field(String id, String tooltip) {
        TextField field = new TextField();
        field.setId(id);
        field.setPrefColumnCount(10);
        field.setTooltip(new Tooltip(tooltip));
        return field;
    }
}
