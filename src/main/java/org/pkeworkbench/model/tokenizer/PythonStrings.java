package org.pkeworkbench.model.tokenizer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Python {@code str} methods with CPython 3 semantics, for chat templates that call them on strings
 * (for example {@code message['content'].strip()}).
 *
 * <p>Whitespace is what Python's {@code str.isspace()} accepts, which differs from Java's
 * {@link Character#isWhitespace} in the no-break spaces (U+00A0, U+2007, U+202F) and U+0085.
 */
final class PythonStrings {

    private PythonStrings() {}

    static boolean isSpace(int codePoint) {
        return Character.isWhitespace(codePoint)
                || codePoint == 0x00A0
                || codePoint == 0x2007
                || codePoint == 0x202F
                || codePoint == 0x0085;
    }

    /** {@code s.strip(chars)}; a null {@code chars} strips whitespace. */
    static String strip(String s, String chars) {
        return rstrip(lstrip(s, chars), chars);
    }

    static String lstrip(String s, String chars) {
        int start = 0;
        while (start < s.length()) {
            int codePoint = s.codePointAt(start);
            if (!isStripped(codePoint, chars)) {
                break;
            }
            start += Character.charCount(codePoint);
        }
        return s.substring(start);
    }

    static String rstrip(String s, String chars) {
        int end = s.length();
        while (end > 0) {
            int codePoint = s.codePointBefore(end);
            if (!isStripped(codePoint, chars)) {
                break;
            }
            end -= Character.charCount(codePoint);
        }
        return s.substring(0, end);
    }

    private static boolean isStripped(int codePoint, String chars) {
        return chars == null ? isSpace(codePoint) : chars.indexOf(codePoint) >= 0;
    }

    /** {@code s.startswith(prefix)}, where {@code prefix} is a string or a tuple (list) of strings. */
    static boolean startsWith(String s, Object prefix) {
        for (String candidate : stringOrTuple(prefix, "startswith")) {
            if (s.startsWith(candidate)) {
                return true;
            }
        }
        return false;
    }

    static boolean endsWith(String s, Object suffix) {
        for (String candidate : stringOrTuple(suffix, "endswith")) {
            if (s.endsWith(candidate)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> stringOrTuple(Object value, String method) {
        if (value instanceof Collection<?> items) {
            List<String> strings = new ArrayList<>();
            for (Object item : items) {
                strings.add(requireString(item, method));
            }
            return strings;
        }
        return List.of(requireString(value, method));
    }

    static String requireString(Object value, String method) {
        if (value instanceof CharSequence text) {
            return text.toString();
        }
        throw new IllegalArgumentException(
                method + "() expects a string argument, got " + (value == null ? "None" : value.getClass().getSimpleName()));
    }

    static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** {@code s.title()}: each run of cased letters starts upper case and continues lower case. */
    static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int codePoint = s.codePointAt(i);
            boolean cased = Character.isUpperCase(codePoint)
                    || Character.isLowerCase(codePoint)
                    || Character.isTitleCase(codePoint);
            if (cased) {
                out.appendCodePoint(previousCased ? Character.toLowerCase(codePoint) : Character.toTitleCase(codePoint));
            } else {
                out.appendCodePoint(codePoint);
            }
            previousCased = cased;
            i += Character.charCount(codePoint);
        }
        return out.toString();
    }

    /** {@code s.capitalize()}: first character upper case, the rest lower case. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        int firstLength = Character.charCount(first);
        return new StringBuilder()
                .appendCodePoint(Character.toTitleCase(first))
                .append(lower(s.substring(firstLength)))
                .toString();
    }

    /**
     * {@code s.split(sep, maxsplit)}. A null {@code separator} splits on runs of whitespace and drops
     * empty pieces; a string separator keeps empty pieces. A negative {@code maxSplit} means no limit.
     */
    static List<String> split(String s, String separator, int maxSplit) {
        if (separator == null) {
            return splitOnWhitespace(s, maxSplit);
        }
        if (separator.isEmpty()) {
            throw new IllegalArgumentException("split() separator is empty");
        }
        List<String> pieces = new ArrayList<>();
        int start = 0;
        int found;
        while ((maxSplit < 0 || pieces.size() < maxSplit) && (found = s.indexOf(separator, start)) >= 0) {
            pieces.add(s.substring(start, found));
            start = found + separator.length();
        }
        pieces.add(s.substring(start));
        return pieces;
    }

    private static List<String> splitOnWhitespace(String s, int maxSplit) {
        List<String> pieces = new ArrayList<>();
        int i = 0;
        int length = s.length();
        while (true) {
            while (i < length && isSpace(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
            }
            if (i >= length) {
                return pieces;
            }
            if (maxSplit >= 0 && pieces.size() == maxSplit) {
                // Python keeps the remainder as is, trailing whitespace included.
                pieces.add(s.substring(i));
                return pieces;
            }
            int start = i;
            while (i < length && !isSpace(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
            }
            pieces.add(s.substring(start, i));
        }
    }

    /** {@code s.replace(old, new, count)}; a negative {@code count} replaces every occurrence. */
    static String replace(String s, String target, String replacement, int count) {
        if (count < 0) {
            return s.replace(target, replacement);
        }
        StringBuilder out = new StringBuilder();
        int start = 0;
        int done = 0;
        int found;
        while (done < count && !target.isEmpty() && (found = s.indexOf(target, start)) >= 0) {
            out.append(s, start, found).append(replacement);
            start = found + target.length();
            done++;
        }
        return out.append(s.substring(start)).toString();
    }

    /** {@code separator.join(items)}; every item must be a string, as in Python. */
    static String join(String separator, Object items) {
        if (!(items instanceof Iterable<?> iterable)) {
            throw new IllegalArgumentException("join() expects a list of strings");
        }
        List<String> strings = new ArrayList<>();
        for (Object item : iterable) {
            strings.add(requireString(item, "join"));
        }
        return String.join(separator, strings);
    }
}
