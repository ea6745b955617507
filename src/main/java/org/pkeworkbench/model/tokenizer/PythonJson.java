package org.pkeworkbench.model.tokenizer;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes template values as Python's {@code json.dumps} does, which is what the {@code tojson} filter of
 * Hugging Face {@code transformers} chat templates calls (with {@code ensure_ascii=False} by default).
 * Keys keep their insertion order unless {@code sortKeys} is set.
 */
final class PythonJson {

    private final Integer indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final boolean ensureAscii;

    /**
     * @param indent spaces per nesting level, or null for one line
     * @param itemSeparator null for Python's default: {@code ", "} on one line, {@code ","} when indented
     * @param keySeparator null for Python's default {@code ": "}
     */
    PythonJson(Integer indent, String itemSeparator, String keySeparator, boolean sortKeys, boolean ensureAscii) {
        this.indent = indent;
        this.itemSeparator = itemSeparator != null ? itemSeparator : (indent == null ? ", " : ",");
        this.keySeparator = keySeparator != null ? keySeparator : ": ";
        this.sortKeys = sortKeys;
        this.ensureAscii = ensureAscii;
    }

    String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, 0, out);
        return out.toString();
    }

    private void write(Object value, int depth, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean flag) {
            out.append(flag ? "true" : "false");
        } else if (value instanceof Double || value instanceof Float) {
            out.append(formatFloat(((Number) value).doubleValue()));
        } else if (value instanceof Number number) {
            out.append(number.toString());
        } else if (value instanceof Map<?, ?> map) {
            writeMap(map, depth, out);
        } else if (value instanceof Iterable<?> items) {
            writeList(items, depth, out);
        } else if (value instanceof Object[] array) {
            writeList(List.of(array), depth, out);
        } else {
            writeString(value.toString(), out);
        }
    }

    private void writeMap(Map<?, ?> map, int depth, StringBuilder out) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
        if (sortKeys) {
            entries.sort((a, b) -> String.valueOf(a.getKey()).compareTo(String.valueOf(b.getKey())));
        }
        out.append('{');
        for (int i = 0; i < entries.size(); i++) {
            if (i > 0) {
                out.append(itemSeparator);
            }
            newline(depth + 1, out);
            writeString(String.valueOf(entries.get(i).getKey()), out);
            out.append(keySeparator);
            write(entries.get(i).getValue(), depth + 1, out);
        }
        newline(depth, out);
        out.append('}');
    }

    private void writeList(Iterable<?> items, int depth, StringBuilder out) {
        List<Object> list = new ArrayList<>();
        items.forEach(list::add);
        if (list.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                out.append(itemSeparator);
            }
            newline(depth + 1, out);
            write(list.get(i), depth + 1, out);
        }
        newline(depth, out);
        out.append(']');
    }

    private void newline(int depth, StringBuilder out) {
        if (indent != null) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private void writeString(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Python's {@code repr(float)}: shortest digits, plain between 1e-4 and 1e16, else {@code 1e-05} style. */
    static String formatFloat(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "Infinity" : "-Infinity";
        }
        if (value == 0) {
            return (1 / value < 0) ? "-0.0" : "0.0";
        }
        BigDecimal decimal = new BigDecimal(Double.toString(value)).stripTrailingZeros();
        double magnitude = Math.abs(value);
        if (magnitude >= 1e-4 && magnitude < 1e16) {
            String plain = decimal.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String digits = decimal.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - decimal.scale();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String sign = value < 0 ? "-" : "";
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}
