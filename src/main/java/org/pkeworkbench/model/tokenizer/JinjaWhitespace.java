package org.pkeworkbench.model.tokenizer;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Applies Jinja2's whitespace rules to a template's source before Jinjava renders it, so that Jinjava
 * only sees plain tags and copies text verbatim.
 *
 * <p>Jinjava 2.7.4's own {@code lstrip_blocks} also strips spaces before a block tag in the middle of a
 * line, does not trim {@code \r\n} after a tag and does not know the {@code {%+} marker, so its rendering
 * differs from Jinja2's. This class follows the Jinja2 3.1 lexer instead, for an environment with
 * {@code trim_blocks=True}, {@code lstrip_blocks=True} and {@code keep_trailing_newline=False}:
 * <ul>
 *   <li>line breaks ({@code \r\n}, {@code \r}, {@code \n}) become {@code \n}, and one trailing line break
 *       is dropped;</li>
 *   <li>{@code {%-}, {@code {{-}, {@code {#-} strip all whitespace before the tag, {@code -%}},
 *       {@code -}}}, {@code -#}} all whitespace after it;</li>
 *   <li>a block or comment tag preceded on its line by whitespace only loses that whitespace, unless it
 *       starts with {@code {%+};</li>
 *   <li>one {@code \n} right after a block or comment tag is removed, unless it ends with {@code +%}};</li>
 *   <li>comments are removed, and {@code raw} blocks are copied without further processing.</li>
 * </ul>
 * It also turns the {@code {% generation %}} blocks of {@code transformers} (assistant-mask markers) into
 * {@code {% if true %}} blocks, which render their body unchanged.
 */
final class JinjaWhitespace {

    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%([-+]?)\\s*raw\\s*(-%\\}|%\\})");

    private static final Pattern RAW_END =
            Pattern.compile("\\{%([-+]?)\\s*endraw\\s*(\\+%\\}|-%\\}|%\\})");

    private final String source;
    private final StringBuilder out = new StringBuilder();
    private int pos;
    private boolean lineStarting = true;

    private JinjaWhitespace(String source) {
        this.source = source;
    }

    /** Returns the template source with whitespace control applied and plain tags only. */
    static String apply(String template) {
        JinjaWhitespace scanner = new JinjaWhitespace(normalizeNewlines(template));
        scanner.run();
        return scanner.out.toString();
    }

    static String normalizeNewlines(String template) {
        String normalized = template.replace("\r\n", "\n").replace('\r', '\n');
        return normalized.endsWith("\n") ? normalized.substring(0, normalized.length() - 1) : normalized;
    }

    private void run() {
        while (pos < source.length()) {
            int tagStart = nextTagStart(pos);
            if (tagStart < 0) {
                out.append(source, pos, source.length());
                return;
            }
            String text = source.substring(pos, tagStart);
            char kind = source.charAt(tagStart + 1);
            Matcher raw = RAW_BEGIN.matcher(source).region(tagStart, source.length());
            boolean isRaw = kind == '%' && raw.lookingAt();
            char sign = signAt(tagStart + 2);

            out.append(stripBeforeTag(text, sign, kind != '{'));
            if (isRaw) {
                copyRawBlock(raw);
            } else if (kind == '#') {
                skipComment(tagStart + 2 + (sign == 0 ? 0 : 1));
            } else {
                copyTag(tagStart, kind, sign);
            }
        }
    }

    /** The index of the next "{{", "{%" or "{#" at or after {@code from}, or -1. */
    private int nextTagStart(int from) {
        for (int i = source.indexOf('{', from); i >= 0 && i + 1 < source.length(); i = source.indexOf('{', i + 1)) {
            char next = source.charAt(i + 1);
            if (next == '{' || next == '%' || next == '#') {
                return i;
            }
        }
        return -1;
    }

    private char signAt(int index) {
        if (index < source.length() && (source.charAt(index) == '-' || source.charAt(index) == '+')) {
            return source.charAt(index);
        }
        return 0;
    }

    /** Jinja2's treatment of the text before a tag: {@code -} strips it, {@code lstrip_blocks} strips an indent. */
    private String stripBeforeTag(String text, char sign, boolean lstripApplies) {
        if (sign == '-') {
            return PythonStrings.rstrip(text, null);
        }
        if (sign == '+' || !lstripApplies) {
            return text;
        }
        int lineStart = text.lastIndexOf('\n') + 1;
        if ((lineStart > 0 || lineStarting) && lineStart < text.length() && isAllWhitespace(text, lineStart, text.length())) {
            return text.substring(0, lineStart);
        }
        return text;
    }

    private static boolean isAllWhitespace(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!PythonStrings.isSpace(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Skips a comment whose body starts at {@code bodyStart}; comments produce no output. */
    private void skipComment(int bodyStart) {
        int end = source.indexOf("#}", bodyStart);
        if (end < 0) {
            throw new ChatTemplateException("Chat template has a comment without closing #}", false, null);
        }
        char endSign = end > bodyStart ? source.charAt(end - 1) : 0;
        pos = end + 2;
        afterTagEnd(endSign, true);
    }

    /** Copies a block or variable tag without its whitespace signs, then applies the signs and trim_blocks. */
    private void copyTag(int tagStart, char kind, char sign) {
        int bodyStart = tagStart + 2 + (sign == 0 ? 0 : 1);
        char endChar = kind == '%' ? '%' : '}';
        Deque<Character> brackets = new ArrayDeque<>();
        int i = bodyStart;
        while (true) {
            if (i >= source.length()) {
                throw new ChatTemplateException("Chat template has a tag without its closing "
                        + endChar + "}, starting with: " + snippet(tagStart), false, null);
            }
            char c = source.charAt(i);
            if (brackets.isEmpty() && endsTag(i, endChar)) {
                break;
            }
            if (c == '\'' || c == '"') {
                i = skipStringLiteral(i);
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                brackets.push(c);
            } else if ((c == ')' || c == ']' || c == '}') && !brackets.isEmpty()) {
                brackets.pop();
            }
            i++;
        }

        char endSign = 0;
        int bodyEnd = i;
        if (source.charAt(i) == '-' || source.charAt(i) == '+') {
            endSign = source.charAt(i);
            i++;
        }
        String body = source.substring(bodyStart, bodyEnd);
        out.append(kind == '%' ? "{%" : "{{").append(rewriteBlock(kind, body)).append(kind == '%' ? "%}" : "}}");
        pos = i + 2;
        afterTagEnd(endSign, kind == '%');
    }

    /** Whether a tag ends at {@code index}: "%}" or "}}", optionally preceded by a sign. */
    private boolean endsTag(int index, char endChar) {
        int at = index;
        char c = source.charAt(at);
        if (c == '-' || c == '+') {
            if (c == '+' && endChar == '}') {
                return false;
            }
            at++;
        }
        return at + 1 < source.length() && source.charAt(at) == endChar && source.charAt(at + 1) == '}';
    }

    private int skipStringLiteral(int quoteIndex) {
        char quote = source.charAt(quoteIndex);
        int i = quoteIndex + 1;
        while (i < source.length() && source.charAt(i) != quote) {
            i += source.charAt(i) == '\\' ? 2 : 1;
        }
        return i + 1;
    }

    private static String rewriteBlock(char kind, String body) {
        if (kind != '%') {
            return body;
        }
        String statement = body.strip();
        if (statement.equals("generation")) {
            return " if true ";
        }
        if (statement.equals("endgeneration")) {
            return " endif ";
        }
        return body;
    }

    /** Applies an end sign ({@code -} strips following whitespace) or trim_blocks for block and comment tags. */
    private void afterTagEnd(char endSign, boolean trimBlock) {
        if (endSign == '-') {
            while (pos < source.length() && PythonStrings.isSpace(source.charAt(pos))) {
                pos++;
            }
        } else if (endSign != '+' && trimBlock && pos < source.length() && source.charAt(pos) == '\n') {
            pos++;
        }
        lineStarting = source.charAt(pos - 1) == '\n';
    }

    /** Copies {@code {% raw %}...{% endraw %}} with its body untouched. */
    private void copyRawBlock(Matcher rawBegin) {
        boolean beginStrips = rawBegin.group(2).startsWith("-");
        pos = rawBegin.end();
        if (beginStrips) {
            while (pos < source.length() && PythonStrings.isSpace(source.charAt(pos))) {
                pos++;
            }
        }
        Matcher rawEnd = RAW_END.matcher(source).region(pos, source.length());
        if (!rawEnd.find()) {
            throw new ChatTemplateException("Chat template has {% raw %} without {% endraw %}", false, null);
        }
        lineStarting = pos > 0 && source.charAt(pos - 1) == '\n';
        char sign = rawEnd.group(1).isEmpty() ? 0 : rawEnd.group(1).charAt(0);
        String body = stripBeforeTag(source.substring(pos, rawEnd.start()), sign, true);
        out.append("{% raw %}").append(body).append("{% endraw %}");

        String end = rawEnd.group(2);
        pos = rawEnd.end();
        afterTagEnd(end.startsWith("-") ? '-' : end.startsWith("+") ? '+' : 0, true);
    }

    private String snippet(int from) {
        return source.substring(from, Math.min(source.length(), from + 40));
    }
}
