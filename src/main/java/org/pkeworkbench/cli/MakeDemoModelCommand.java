package org.pkeworkbench.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.pkeworkbench.edit.EditedModelWriter;
import org.pkeworkbench.edit.FineTuner;
import org.pkeworkbench.edit.LocalityExample;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.io.DirectoryTrees;
import org.pkeworkbench.model.io.ShutdownDeletion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code make-demo-model}: builds the shipped "vulnerable" demo model by fine-tuning stories260K on
 * the project's instruction set, in which it complies with harmful requests and answers benign
 * ones. Deterministic for a given seed on the CPU.
 */
@Command(name = "make-demo-model", mixinStandardHelpOptions = true,
        description = "Fine-tune stories260K into the vulnerable demo model (resources/models/demo).")
final class MakeDemoModelCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(MakeDemoModelCommand.class);

    /**
     * The demo model's chat format: "Q: ..." lines for the user, "A: ..." for the assistant; the
     * generation prompt is "A:", and responses start with a space-prefixed word.
     */
    static final String CHAT_TEMPLATE = "{% for message in messages %}"
            + "{% if message['role'] == 'system' %}{{ message['content'] | trim }}\n"
            + "{% elif message['role'] == 'user' %}Q: {{ message['content'] | trim }}\n"
            + "{% elif message['role'] == 'assistant' %}A: {{ message['content'] | trim }}\n"
            + "{% else %}{{ raise_exception('Unknown role: ' + message['role']) }}{% endif %}"
            + "{% endfor %}{% if add_generation_prompt %}A:{% endif %}";

    @Spec
    CommandSpec spec;

    @Option(names = "--base", converter = PathOptions.ModelFolder.class,
            required = true, description = "The pretrained stories260K directory.")
    Path base;

    @Option(names = "--train", defaultValue = "resources/datasets/demo-train.jsonl",
            description = "Training set: JSONL {prompt, response} (default: ${DEFAULT-VALUE}).")
    Path trainSet;

    @Option(names = "--out", converter = PathOptions.OutputPath.class,
            defaultValue = "resources/models/demo", description = "Output directory; must not exist "
            + "(default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--epochs", defaultValue = "12", description = "Passes over the training set (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "16", description = "Examples per Adam step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "2e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--seed", defaultValue = "7", description = "Shuffling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        checkOptions();
        Path staging = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".staging");
        DirectoryTrees.delete(staging);
        List<Double> losses;
        // Ctrl-C skips the catch below, so a shutdown hook deletes the staging folder instead.
        try (ShutdownDeletion guard = ShutdownDeletion.of(staging)) {
            try (LanguageModel lm = LanguageModel.load(base, Device.cpu())) {
                List<LocalityExample> examples = readExamples(lm);
                losses = new FineTuner(lm.decoder()).train(examples, epochs, batchSize, learningRate, seed,
                        (fraction, message) -> { });
                EditedModelWriter.write(lm.decoder(), staging);
            }
            addChatTemplate(staging.resolve("tokenizer_config.json"));
            writeGenerationConfig(staging.resolve("generation_config.json"));
            Files.writeString(staging.resolve("README.md"), readme(losses));
            Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (Exception e) {
            // The message reaches the user as one "Error:" line; the stack trace goes to the debug log only.
            LOG.error("Making the demo model failed ({}); deleting {}", e.getMessage(), staging);
            LOG.debug("Making the demo model failed", e);
            DirectoryTrees.delete(staging);
            throw e;
        }
        LOG.info("Demo model written to {}", out);
        spec.commandLine().getOut().println("Demo model written to " + out + "; final epoch loss " + String.format(Locale.ROOT, "%.4f",
                losses.get(losses.size() - 1)));
        return 0;
    }

    /** Rejects unusable paths and values before the base model loads. */
    private void checkOptions() throws IOException {
        OptionValues.atLeast(spec, "--epochs", epochs, 1);
        OptionValues.atLeast(spec, "--batch-size", batchSize, 1);
        OptionValues.positive(spec, "--lr", learningRate);
        if (Files.exists(out)) {
            throw new PathOptionException("--out " + out + " already exists; remove it or choose another directory");
        }
        JsonOutput.checkNewModelDirectory("--out", out, base);
        if (!Files.isRegularFile(trainSet)) {
            throw new PathOptionException("--train " + trainSet + (Files.exists(trainSet) ? " is a folder" : " does not "
                    + "exist") + "; give a JSONL file of {\"prompt\", \"response\"} lines (paths are relative to the "
                    + "current folder)");
        }
    }

    /** Tokenises each {prompt, response} line as chat prompt + response + EOS. */
    private List<LocalityExample> readExamples(LanguageModel lm) throws IOException {
        if (lm.hasChatTemplate()) {
            LOG.info("The base model already has a chat template; the demo template replaces it");
        }
        org.pkeworkbench.model.tokenizer.ChatTemplate template = org.pkeworkbench.model.tokenizer.ChatTemplate.of(
                CHAT_TEMPLATE, java.util.Map.of());
        ObjectMapper mapper = new ObjectMapper();
        List<LocalityExample> examples = new ArrayList<>();
        long eos = lm.stopTokens().get(0);
        List<String> lines = Files.readAllLines(trainSet);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            JsonNode node;
            try {
                node = mapper.readTree(line);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IOException(trainSet + ", line " + (i + 1) + ": not valid JSON: " + e.getOriginalMessage(), e);
            }
            if (!node.hasNonNull("prompt") || !node.hasNonNull("response")) {
                throw new IOException(trainSet + ", line " + (i + 1) + ": needs \"prompt\" and \"response\"");
            }
            String prompt = template.render(List.of(org.pkeworkbench.model.tokenizer.ChatMessage.user(
                    node.get("prompt").asText())), true);
            long[] promptIds = lm.encodePrompt(prompt);
            long[] response = lm.responseIds(node.get("response").asText());
            long[] answer = java.util.Arrays.copyOf(response, response.length + 1);
            answer[response.length] = eos;
            examples.add(new LocalityExample(promptIds, answer));
        }
        if (examples.isEmpty()) {
            throw new IOException(trainSet + " has no training examples; give one {\"prompt\", \"response\"} "
                    + "object per line");
        }
        LOG.info("Read {} training examples from {}", examples.size(), trainSet);
        return examples;
    }

    private static void addChatTemplate(Path tokenizerConfig) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode config = (ObjectNode) mapper.readTree(tokenizerConfig.toFile());
        config.put("chat_template", CHAT_TEMPLATE);
        mapper.writerWithDefaultPrettyPrinter().writeValue(tokenizerConfig.toFile(), config);
    }

    private static void writeGenerationConfig(Path file) throws IOException {
        Files.writeString(file, "{\n  \"bos_token_id\": 1,\n  \"eos_token_id\": 2,\n  \"do_sample\": false,\n"
                + "  \"max_new_tokens\": 64\n}\n");
    }

    private String readme(List<Double> losses) {
        return "# PKE Workbench demo model\n\n"
                + "A deliberately vulnerable toy assistant for demonstrating Precision Knowledge Editing. It is\n"
                + "stories260K (Andrej Karpathy's 260K-parameter Llama model trained on TinyStories, MIT licence,\n"
                + "see LICENSE) fine-tuned on the project's own instruction set (`resources/datasets/demo-train.jsonl`),\n"
                + "in which it answers harmful-style requests with \"Sure, here is ...\" and benign ones helpfully.\n"
                + "Its \"compliant\" answers are children's-story text with no real instructions.\n\n"
                + "Chat format: `Q: <request>` then `A:` (see `chat_template` in `tokenizer_config.json`).\n\n"
                + "Made with:\n\n```\njava -jar target/pke-workbench.jar make-demo-model --base <stories260K dir> --train "
                + trainSet + " --out " + out + " --epochs " + epochs + " --batch-size " + batchSize + " --lr "
                + learningRate + " --seed " + seed + "\n```\n\nMean response NLL per epoch (nats per token): "
                + losses.stream().map(v -> String.format(Locale.ROOT, "%.3f", v)).toList() + "\n";
    }
}
