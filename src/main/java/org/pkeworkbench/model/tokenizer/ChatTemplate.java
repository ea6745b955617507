package org.pkeworkbench.model.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import jinjava.javax.el.CompositeELResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hugging Face chat template (Jinja source from {@code tokenizer_config.json}) that renders a
 * conversation into the prompt text the model was trained on, as {@code transformers}'
 * {@code apply_chat_template(..., tokenize=False)} does.
 *
 * <p>Rendering follows Jinja2 with {@code trim_blocks=True} and {@code lstrip_blocks=True} on Jinjava,
 * plus what {@code transformers} adds: {@code raise_exception(message)}, {@code strftime_now(format)} and
 * a {@code tojson} filter that writes like Python's {@code json.dumps}. Python {@code str} methods that
 * templates call ({@code strip}, {@code lstrip}, {@code rstrip}, {@code startswith}, {@code endswith},
 * {@code upper}, {@code lower}, {@code title}, {@code capitalize}, {@code split}, {@code replace},
 * {@code join}) behave as in Python. Undefined variables render empty, as in Jinja2's default.
 *
 * <p>NOTE: {@code {{ none }}} renders empty where Jinja2 prints {@code None}, booleans inside printed lists
 * stay lower case, and {@code 'ab' * 2} fails; chat templates rarely print such values.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class ChatTemplate {

    private static final Logger LOG = LoggerFactory.getLogger(ChatTemplate.class);

    private static final Jinjava JINJAVA = createJinjava();

    private final String source;
    private final String preparedSource;
    private final Map<String, Object> variables;

    /**
     * @throws ChatTemplateException when a tag or comment in {@code source} is not closed
     */
    private ChatTemplate(String source, Map<String, Object> variables) {
        this.source = source;
        this.preparedSource = JinjaWhitespace.apply(source);
        this.variables = Map.copyOf(variables);
    }

    /**
     * Creates a template.
     *
     * @param source the Jinja source, for example {@code tokenizer_config.json}'s {@code chat_template}
     * @param specialTokens variables besides {@code messages} and {@code add_generation_prompt}, usually
     *     {@code bos_token}, {@code eos_token}, {@code pad_token} and {@code unk_token}; extra keys such as
     *     {@code date_string} are passed on as well. Null values are left undefined.
     */
    public static ChatTemplate of(String source, Map<String, ?> specialTokens) {
        Objects.requireNonNull(source, "source");
        Map<String, Object> variables = new HashMap<>();
        specialTokens.forEach((name, value) -> {
            if (value != null) {
                variables.put(name, value);
            }
        });
        return new ChatTemplate(source, variables);
    }

    /** The Jinja source as given. */
    public String source() {
        return source;
    }

    /** The variables given to {@link #of}, without nulls. */
    public Map<String, Object> variables() {
        return variables;
    }

    /**
     * Renders a conversation into prompt text.
     *
     * @param addGenerationPrompt whether to append the header that starts the assistant's turn
     * @throws ChatTemplateException when the template calls {@code raise_exception} (the exception's
     *     message is the template's) or fails to render
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Map<String, Object> context = new HashMap<>(variables);
        context.put("messages", toTemplateMessages(messages));
        context.put("add_generation_prompt", addGenerationPrompt);

        RenderResult result;
        try {
            result = JINJAVA.renderForResult(preparedSource, context);
        } catch (TemplateFunctions.RaisedByTemplate e) {
            throw raised(e);
        } catch (RuntimeException e) {
            LOG.warn("Chat template failed to render", e);
            throw new ChatTemplateException("Chat template failed to render: " + e.getMessage(), false, e);
        }

        List<TemplateError> fatal = new ArrayList<>();
        for (TemplateError error : result.getErrors()) {
            TemplateFunctions.RaisedByTemplate raised = findRaised(error.getException());
            if (raised != null) {
                throw raised(raised);
            }
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                fatal.add(error);
            } else {
                LOG.debug("Chat template warning: {}", error);
            }
        }
        if (!fatal.isEmpty()) {
            String details = fatal.stream()
                    .map(error -> "line " + error.getLineno() + ": " + error.getMessage())
                    .collect(Collectors.joining("; "));
            LOG.warn("Chat template failed to render: {}", details);
            throw new ChatTemplateException("Chat template failed to render: " + details, false, fatal.get(0).getException());
        }
        return result.getOutput();
    }

    private static ChatTemplateException raised(TemplateFunctions.RaisedByTemplate e) {
        LOG.info("Chat template raised: {}", e.getMessage());
        return new ChatTemplateException(e.getMessage(), true, e);
    }

    private static TemplateFunctions.RaisedByTemplate findRaised(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TemplateFunctions.RaisedByTemplate raised) {
                return raised;
            }
        }
        return null;
    }

    /** Messages as the dicts that templates index with {@code message['role']} or {@code message.role}. */
    private static List<Map<String, Object>> toTemplateMessages(List<ChatMessage> messages) {
        List<Map<String, Object>> result = new ArrayList<>(messages.size());
        for (ChatMessage message : messages) {
            Map<String, Object> dict = new LinkedHashMap<>();
            dict.put("role", message.role());
            dict.put("content", message.content());
            result.add(dict);
        }
        return result;
    }

    private static Jinjava createJinjava() {
        CompositeELResolver resolvers = new CompositeELResolver();
        resolvers.add(new PythonStringResolver());
        resolvers.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);

        JinjavaConfig config = JinjavaConfig.newBuilder()
                // JinjaWhitespace has already applied trim_blocks and lstrip_blocks as Jinja2 does.
                .withTrimBlocks(false)
                .withLstripBlocks(false)
                // Message text is data: a "{{" inside a user message must never be rendered as a template.
                .withNestedInterpretationEnabled(false)
                .withFailOnUnknownTokens(false)
                .withElResolver(resolvers)
                // Lists print as Python does: ['a', 'b'] rather than [a, b].
                .withLegacyOverrides(LegacyOverrides.newBuilder().withUsePyishObjectMapper(true).build())
                .withExecutionMode(new PythonOutputMode())
                .build();
        Jinjava jinjava = new Jinjava(config);

        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition(
                "", "raise_exception", TemplateFunctions.class, "raiseException", Object.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition(
                "", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
        jinjava.getGlobalContext().registerFilter(new TemplateFilters.ToJson());
        jinjava.getGlobalContext().registerFilter(new TemplateFilters.Trim());
        return jinjava;
    }
}
