package org.pkeworkbench.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import org.pkeworkbench.model.io.ModelFormatException;

/**
 * The head description in a {@code *ForSequenceClassification} model's {@code config.json}: its
 * architecture name, the label names by index ({@code id2label}) and the padding token id.
 *
 * @param architecture the first {@code architectures} entry that ends with {@link #SUFFIX}
 * @param labels label names by class index, {@code num_labels} of them
 * @param padTokenId {@code pad_token_id}, when set
 */
public record ClassifierHead(String architecture, List<String> labels, OptionalLong padTokenId) {

    /** The suffix of the {@code transformers} class names of sequence classifiers. */
    public static final String SUFFIX = "ForSequenceClassification";

    /** Label names that mean unsafe when none is given, in order of preference. */
    public static final List<String> DEFAULT_UNSAFE_LABELS = List.of("unsafe", "jailbroken", "LABEL_1");

    /** The tensor name of the classification layer, {@code [num_labels, hidden]}, in Llama-family and GPT-2 models. */
    public static final String SCORE_WEIGHT = "score.weight";

    public ClassifierHead {
        labels = List.copyOf(labels);
    }

    /** Reads the head description from {@code modelDir/config.json}. */
    public static ClassifierHead read(Path modelDir) throws IOException {
        Path file = modelDir.resolve("config.json");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, "config.json is missing",
                    "Point the classifier option at a Hugging Face model folder that holds config.json", e);
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(file, "config.json is not valid JSON (" + e.getOriginalMessage() + ")",
                    "Fix or replace the file", e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(file, "config.json must contain a JSON object", "Fix or replace the file");
        }

        String architecture = null;
        for (JsonNode name : root.path("architectures")) {
            if (architecture == null && name.isTextual() && name.asText().endsWith(SUFFIX)) {
                architecture = name.asText();
            }
        }
        if (architecture == null) {
            throw new ModelFormatException(file, "architectures " + root.path("architectures") + " lists no *"
                    + SUFFIX + " class, so the model has no classification head",
                    "Use a sequence-classification model (such as LlamaForSequenceClassification), or judge with "
                            + "a causal guard model instead");
        }

        List<String> labels = readLabels(file, root);
        JsonNode pad = root.path("pad_token_id");
        OptionalLong padTokenId = pad.canConvertToLong() ? OptionalLong.of(pad.asLong()) : OptionalLong.empty();
        return new ClassifierHead(architecture, labels, padTokenId);
    }

    /** Label names from {@code id2label} (keys 0 to n-1), or {@code LABEL_i} names from {@code num_labels}. */
    private static List<String> readLabels(Path file, JsonNode root) throws ModelFormatException {
        JsonNode id2label = root.path("id2label");
        if (id2label.isObject() && !id2label.isEmpty()) {
            List<String> labels = new ArrayList<>();
            for (int i = 0; i < id2label.size(); i++) {
                JsonNode name = id2label.get(Integer.toString(i));
                if (name == null || !name.isTextual()) {
                    throw new ModelFormatException(file, "id2label has no text entry for class " + i
                            + " (found keys " + iterableToList(id2label.fieldNames()) + ")",
                            "Give id2label one name per class, with keys \"0\" to \"" + (id2label.size() - 1) + "\"");
                }
                labels.add(name.asText());
            }
            return labels;
        }
        JsonNode count = root.path("num_labels");
        if (count.canConvertToInt() && count.asInt() >= 2) {
            List<String> labels = new ArrayList<>();
            for (int i = 0; i < count.asInt(); i++) {
                labels.add("LABEL_" + i);
            }
            return labels;
        }
        throw new ModelFormatException(file, "config.json has neither id2label nor num_labels (2 or more)",
                "Add id2label, such as {\"0\": \"safe\", \"1\": \"unsafe\"}");
    }

    private static List<String> iterableToList(java.util.Iterator<String> names) {
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }

    /**
     * Returns the index of the unsafe label: {@code requested} when given, otherwise the first of
     * {@link #DEFAULT_UNSAFE_LABELS} that is present. Names match ignoring case.
     *
     * @throws IllegalArgumentException when the label is not among {@link #labels()}
     */
    public int unsafeIndex(String requested) {
        List<String> candidates = requested == null ? DEFAULT_UNSAFE_LABELS : List.of(requested);
        for (String candidate : candidates) {
            for (int i = 0; i < labels.size(); i++) {
                if (labels.get(i).toLowerCase(Locale.ROOT).equals(candidate.toLowerCase(Locale.ROOT))) {
                    return i;
                }
            }
        }
        throw new IllegalArgumentException("The classifier's labels " + labels + " contain none of " + candidates
                + "; name the label that means unsafe (--unsafe-label)");
    }
}
