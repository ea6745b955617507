package org.pkeworkbench.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkeworkbench.testing.SharedFiles;

/**
 * Chat templates rendered as Python's Jinja2 renders them with {@code trim_blocks} and {@code lstrip_blocks}.
 * The expected strings of the hand-written templates were derived by hand and checked against Jinja2 3.1.
 */
class ChatTemplateTest {

    private static final Map<String, String> LLAMA2_TOKENS = Map.of("bos_token", "<s>", "eos_token", "</s>");

    private static final String ALTERNATE = "Conversation roles must alternate user/assistant/user/assistant/...";

    /** Llama-2-chat style: the system prompt is folded into the first user turn inside <<SYS>> markers. */
    private static final String LLAMA2 = "{% if messages[0]['role'] == 'system' %}"
            + "{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}"
            + "{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}"
            + "{% for message in loop_messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('" + ALTERNATE + "') }}{% endif %}"
            + "{% if loop.index0 == 0 and system_message != false %}"
            + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
            + "{% else %}{% set content = message['content'] %}{% endif %}"
            + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ ' ' + content.strip() + ' ' + eos_token }}{% endif %}"
            + "{% endfor %}";

    /** Mistral-instruct style: no system role, [INST] around user turns. */
    private static final String MISTRAL = "{{ bos_token }}{% for message in messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('" + ALTERNATE + "') }}{% endif %}"
            + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}"
            + "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}"
            + "{% endfor %}";

    /** Llama-3 style, written over several lines so that the whitespace rules matter. */
    private static final String LLAMA3 = """
            {{ bos_token }}
            {%- for message in messages %}
            <|start_header_id|>{{ message.role }}<|end_header_id|>

            {{ message.content | trim }}<|eot_id|>
            {%- endfor %}
            {% if add_generation_prompt %}
            <|start_header_id|>assistant<|end_header_id|>

            {% endif %}
            """;

    /** ChatML style with indented block tags, which lstrip_blocks removes. */
    private static final String CHATML = """
            {% for message in messages %}
                {% if loop.first and message.role != 'system' %}
            <|im_start|>system
            You are a helpful assistant.<|im_end|>
                {% endif %}
            <|im_start|>{{ message.role }}
            {{ message.content }}<|im_end|>
            {% endfor %}
            {% if add_generation_prompt %}
            <|im_start|>assistant
            {% endif %}
            """;

    private static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are a helpful assistant."),
            ChatMessage.user("  What is 2+2? "),
            ChatMessage.assistant("4."),
            ChatMessage.user("And 3+3?"));

    private static String render(String template, Map<String, ?> tokens, List<ChatMessage> messages, boolean addGenerationPrompt) {
        return ChatTemplate.of(template, tokens).render(messages, addGenerationPrompt);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama3-bf16-sharded", "tiny-qwen2"})
    void fixtureTemplateReproducesTransformers(String fixture) throws Exception {
        Path dir = SharedFiles.fixture(fixture);
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode message : expected.get("chat_messages")) {
            messages.add(new ChatMessage(message.get("role").asText(), message.get("content").asText()));
        }

        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            ChatTemplate template = tokenizer.chatTemplate().orElseThrow();
            assertEquals(expected.get("chat_rendered").asText(), template.render(messages, true));
        }
    }

    @Test
    void llama2FoldsSystemPromptIntoFirstTurn() {
        assertEquals("<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\n  What is 2+2? [/INST] 4. </s>"
                        + "<s>[INST] And 3+3? [/INST]",
                render(LLAMA2, LLAMA2_TOKENS, CONVERSATION, true));
    }

    @Test
    void llama2WithoutSystemPrompt() {
        assertEquals("<s>[INST] What is 2+2? [/INST] 4. </s><s>[INST] And 3+3? [/INST]",
                render(LLAMA2, LLAMA2_TOKENS, CONVERSATION.subList(1, 4), true));
    }

    @Test
    void llama2RaisesOnRolesThatDoNotAlternate() {
        List<ChatMessage> twoUsers = List.of(ChatMessage.user("a"), ChatMessage.user("b"));
        ChatTemplateException error = assertThrows(ChatTemplateException.class,
                () -> render(LLAMA2, LLAMA2_TOKENS, twoUsers, true));
        assertEquals(ALTERNATE, error.getMessage());
        assertTrue(error.raisedByTemplate());
    }

    @Test
    void mistralKeepsContentVerbatim() {
        assertEquals("<s>[INST]   What is 2+2?  [/INST]4.</s>[INST] And 3+3? [/INST]",
                render(MISTRAL, LLAMA2_TOKENS, CONVERSATION.subList(1, 4), true));
    }

    @Test
    void mistralRaisesOnSystemRole() {
        ChatTemplateException error = assertThrows(ChatTemplateException.class,
                () -> render(MISTRAL, LLAMA2_TOKENS, CONVERSATION, true));
        assertEquals(ALTERNATE, error.getMessage());
    }

    @Test
    void llama3WithAndWithoutGenerationPrompt() {
        Map<String, String> tokens = Map.of("bos_token", "<|begin_of_text|>", "eos_token", "<|eot_id|>");
        String history = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>";

        assertEquals(history + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                render(LLAMA3, tokens, CONVERSATION.subList(0, 2), true));
        assertEquals(history, render(LLAMA3, tokens, CONVERSATION.subList(0, 2), false));
    }

    @Test
    void chatmlAddsDefaultSystemPrompt() {
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\n  What is 2+2? <|im_end|>\n"
                        + "<|im_start|>assistant\n4.<|im_end|>\n"
                        + "<|im_start|>assistant\n",
                render(CHATML, Map.of(), CONVERSATION.subList(1, 3), true));
    }

    @Test
    void loopVariablesAndStrip() {
        String template = """
                {% for message in messages %}
                    {% if loop.first %}
                [first of {{ messages|length }}]
                    {% endif %}
                {{ loop.index0 }}:{{ message.role.upper() }}:{{ message.content.strip() }}
                    {% if loop.last %}
                [last]
                    {% endif %}
                {% endfor %}
                """;
        List<ChatMessage> messages = List.of(ChatMessage.user("  hi  "), ChatMessage.assistant("yo\n"));

        assertEquals("[first of 2]\n0:USER:hi\n1:ASSISTANT:yo\n[last]\n", render(template, Map.of(), messages, true));
    }

    @Test
    void lstripBlocksOnlyAtLineStart() {
        // A block tag after text on the same line keeps the space before it; an indented one loses its indent.
        assertEquals("a b c", render("a {% if true %}b{% endif %} c", Map.of(), List.of(), true));
        assertEquals("a\nX", render("a\n  {% if true %}X{% endif %}", Map.of(), List.of(), true));
        assertEquals("a  X", render("a  {%+ if true %}X{% endif %}", Map.of(), List.of(), true));
    }

    @Test
    void trimBlocksRemovesOneNewline() {
        assertEquals("\nX", render("{% if true %}\n\nX{% endif %}", Map.of(), List.of(), true));
        assertEquals("X", render("{% if true %}\r\nX{% endif %}", Map.of(), List.of(), true));
        assertEquals("  \nX", render("{% if true %}  \nX{% endif %}", Map.of(), List.of(), true));
        assertEquals("\nX", render("{% if true +%}\nX{% endif %}", Map.of(), List.of(), true));
    }

    @Test
    void variableTagsAreNotTrimmed() {
        // Only block and comment tags are trimmed: the newline after {{ ... }} and the indent before text stay.
        assertEquals("<s>\n    x", render("{{ bos_token }}\n    x", Map.of("bos_token", "<s>"), List.of(), true));
    }

    @Test
    void whitespaceControlSigns() {
        assertEquals("<user><assistant>end",
                render("  {%- for m in messages -%}\n  <{{- m.role -}}>  \n  {%- endfor %}\n  {#- note -#}\nend",
                        Map.of(), List.of(ChatMessage.user("a"), ChatMessage.assistant("b")), true));
    }

    @Test
    void oneTrailingNewlineIsDropped() {
        assertEquals("A", render("A\n", Map.of(), List.of(), true));
        assertEquals("A\n", render("A\n\n", Map.of(), List.of(), true));
    }

    @Test
    void pythonStringMethods() {
        List<ChatMessage> messages = List.of(ChatMessage.user("  Hello World  "));
        String template = "{% set c = messages[0].content %}"
                + "[{{ c.lstrip() }}][{{ c.rstrip() }}][{{ c.strip() }}]"
                + "{{ c.startswith('  He') }}{{ c.endswith('x') }}{{ c.strip().startswith(('x', 'Hel')) }}"
                + "|{{ c.upper() }}|{{ c.lower() }}|{{ 'they\\'re 3rd-rate'.title() }}|{{ 'hELLO'.capitalize() }}"
                + "|{{ c.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a b c'.split(' ', 1) }}"
                + "|{{ c.replace('l', 'L') }}|{{ 'aaa'.replace('a', 'b', 2) }}|{{ '-'.join(['x', 'y']) }}"
                + "|{{ 'xxhixx'.strip('x') }}";

        assertEquals("[Hello World  ][  Hello World][Hello World]TrueFalseTrue"
                        + "|  HELLO WORLD  |  hello world  |They'Re 3Rd-Rate|Hello"
                        + "|['Hello', 'World']|['a', 'b', '', 'c']|['a', 'b c']"
                        + "|  HeLLo WorLd  |bba|x-y|hi",
                render(template, Map.of(), messages, true));
    }

    @Test
    void pythonWhitespaceIncludesNoBreakSpace() {
        List<ChatMessage> messages = List.of(ChatMessage.user("\u00a0 hi\u2007\n"));
        assertEquals("[hi][hi]", render("[{{ messages[0].content.strip() }}][{{ messages[0].content | trim }}]",
                Map.of(), messages, true));
    }

    @Test
    void namespaceSlicingAndDictAccess() {
        String template = "{% set ns = namespace(system='', count=0) %}"
                + "{% for m in messages %}{% if m['role'] == 'system' %}{% set ns.system = m.content %}{% endif %}"
                + "{% set ns.count = ns.count + 1 %}{% endfor %}"
                + "{{ ns.system }}/{{ ns.count }}/{% for m in messages[1:] %}{{ m.role }},{% endfor %}/{{ messages[-1]['content'] }}";

        assertEquals("You are a helpful assistant./4/user,assistant,user,/And 3+3?",
                render(template, Map.of(), CONVERSATION, true));
    }

    @Test
    void tojsonWritesLikePythonJsonDumps() {
        String template = "{{ messages[0] | tojson }} {{ {'k': [1, 2.5, none, true, 'q\"é']} | tojson }}";
        assertEquals("{\"role\": \"system\", \"content\": \"You are a helpful assistant.\"} "
                        + "{\"k\": [1, 2.5, null, true, \"q\\\"é\"]}",
                render(template, Map.of(), CONVERSATION, true));
        assertEquals("[\n  {\n    \"role\": \"assistant\",\n    \"content\": \"4.\"\n  }\n]",
                render("{{ messages[2:3] | tojson(indent=2) }}", Map.of(), CONVERSATION, true));
    }

    @Test
    void undefinedVariablesRenderEmpty() {
        assertEquals("[][]no tools", render("[{{ missing }}][{{ messages[0].missing }}]"
                + "{% if tools is defined %}tools{% else %}no tools{% endif %}", Map.of(), CONVERSATION, true));
    }

    @Test
    void booleansPrintAsPython() {
        assertEquals("True False", render("{{ add_generation_prompt }} {{ messages|length > 9 }}", Map.of(), CONVERSATION, true));
    }

    @Test
    void messageTextIsNotRenderedAsTemplate() {
        List<ChatMessage> messages = List.of(ChatMessage.user("{{ 7 * 7 }} {% if true %}x{% endif %}"));
        assertEquals("{{ 7 * 7 }} {% if true %}x{% endif %}", render("{{ messages[0].content }}", Map.of(), messages, true));
    }

    @Test
    void generationBlocksRenderTheirBody() {
        String template = "{% for m in messages %}\n{% generation %}\n{{ m.content }}\n{% endgeneration %}\n{% endfor %}";
        assertEquals("a\nb\n", render(template, Map.of(), List.of(ChatMessage.user("a"), ChatMessage.assistant("b")), true));
    }

    @Test
    void loopControls() {
        String template = "{% for m in messages %}{% if loop.index0 == 2 %}{% break %}{% endif %}"
                + "{% if m.role == 'system' %}{% continue %}{% endif %}{{ m.role }};{% endfor %}";
        assertEquals("user;", render(template, Map.of(), CONVERSATION, true));
    }

    @Test
    void unsupportedMethodFailsInsteadOfRenderingWrongText() {
        ChatTemplateException error = assertThrows(ChatTemplateException.class,
                () -> render("{{ messages[0].content.zfill(3) }}", Map.of(), CONVERSATION, true));
        assertFalse(error.raisedByTemplate());
        assertTrue(error.getMessage().contains("zfill"), error.getMessage());
    }

    @Test
    void unclosedTagFails() {
        ChatTemplateException error = assertThrows(ChatTemplateException.class,
                () -> ChatTemplate.of("{% if true %}x{% endif", Map.of()));
        assertTrue(error.getMessage().contains("closing"), error.getMessage());
    }
}
