package org.pkeworkbench.model.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.List;
import java.util.Map;

/** Filters whose Jinjava versions differ from the Jinja2 and {@code transformers} ones that chat templates expect. */
final class TemplateFilters {

    private TemplateFilters() {}

    /**
     * {@code tojson} as {@code transformers} defines it: {@code json.dumps} with {@code ensure_ascii=False},
     * no HTML escaping, insertion-ordered keys; keyword arguments {@code indent}, {@code separators},
     * {@code sort_keys}, {@code ensure_ascii}.
     */
    static final class ToJson implements Filter {

        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.get("indent");
            String itemSeparator = null;
            String keySeparator = null;
            if (kwargs.get("separators") instanceof List<?> separators && separators.size() == 2) {
                itemSeparator = String.valueOf(separators.get(0));
                keySeparator = String.valueOf(separators.get(1));
            }
            PythonJson json = new PythonJson(
                    indent instanceof Number number ? Integer.valueOf(number.intValue()) : null,
                    itemSeparator,
                    keySeparator,
                    Boolean.TRUE.equals(kwargs.get("sort_keys")),
                    Boolean.TRUE.equals(kwargs.get("ensure_ascii")));
            return json.write(value);
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
            return filter(value, interpreter, new Object[0], Map.of());
        }
    }

    /** {@code trim(chars=None)} with Python's {@code str.strip} whitespace. */
    static final class Trim implements Filter {

        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (value == null) {
                return "";
            }
            Object chars = args.length > 0 ? args[0] : kwargs.get("chars");
            return PythonStrings.strip(value.toString(), chars == null ? null : chars.toString());
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
            return filter(value, interpreter, (Object[]) args, Map.of());
        }
    }
}
