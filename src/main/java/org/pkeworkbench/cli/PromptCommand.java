package org.pkeworkbench.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.pkeworkbench.model.tokenizer.ChatMessage;
import org.pkeworkbench.model.tokenizer.ChatTemplate;
import org.pkeworkbench.model.tokenizer.ChatTemplateException;
import org.pkeworkbench.model.tokenizer.TextTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code prompt}: prints the exact prompt text that a model's chat template renders for a conversation. */
@Command(name = "prompt", mixinStandardHelpOptions = true,
        description = "Print the prompt text that the model's chat template renders for a JSON list of "
                + "{role, content} messages, as transformers renders it.")
final class PromptCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", converter = PathOptions.ModelFolder.class,
            required = true, description = "Hugging Face model directory (only the tokenizer "
            + "files are read).")
    Path model;

    @Option(names = "--messages", converter = PathOptions.ExistingFile.class,
            required = true, description = "JSON file with a list of {\"role\", \"content\"} "
            + "objects.")
    Path messages;

    @Option(names = "--no-generation-prompt", description = "Do not append the assistant's generation prompt.")
    boolean noGenerationPrompt;

    @Override
    public Integer call() throws Exception {
        List<ChatMessage> conversation = ChatMessage.readJsonList(messages);
        try (TextTokenizer tokenizer = TextTokenizer.load(model)) {
            ChatTemplate template = tokenizer.chatTemplate().orElseThrow(() -> new IllegalArgumentException(
                    model.resolve("tokenizer_config.json") + " has no chat_template; this model has no chat format"));
            String text;
            try {
                text = template.render(conversation, !noGenerationPrompt);
            } catch (ChatTemplateException e) {
                // The template rejects this conversation (for example an unknown role): a failure of the work.
                throw new IllegalArgumentException(messages + ": the chat template of " + model + " raised: "
                        + e.getMessage(), e);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.print(text);
            out.flush();
        }
        return 0;
    }
}
