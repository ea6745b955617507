package org.pkeworkbench.model.tokenizer;

import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.time.ZonedDateTime;
import java.util.Locale;

/** Global functions that {@code transformers} gives chat templates, as static methods for Jinjava. */
final class TemplateFunctions {

    private TemplateFunctions() {}

    /** Thrown by {@code raise_exception(message)}; {@link ChatTemplate} turns it into a {@link ChatTemplateException}. */
    static final class RaisedByTemplate extends RuntimeException {

        private static final long serialVersionUID = 1L;

        RaisedByTemplate(String message) {
            super(message);
        }
    }

    /** {@code raise_exception(message)}: stops rendering with the template's message. */
    public static Object raiseException(Object message) {
        throw new RaisedByTemplate(String.valueOf(message));
    }

    /** {@code strftime_now(format)}: the current local time formatted with a C {@code strftime} pattern. */
    public static String strftimeNow(String format) {
        return StrftimeFormatter.format(ZonedDateTime.now(), format, Locale.US);
    }
}
