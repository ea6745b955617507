package org.pkeworkbench.model.tokenizer;

import java.beans.FeatureDescriptor;
import java.util.Iterator;
import java.util.Set;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Resolves Python {@code str} method calls such as {@code text.lstrip()} or {@code text.startswith('x')}
 * in Jinjava expressions. Jinjava itself only finds the methods of {@link String}, so without this
 * resolver a template that calls {@code .lstrip()} fails to render.
 *
 * <p>Placed first in the resolver chain; every call it does not know falls through to Jinjava's own
 * resolvers.
 */
final class PythonStringResolver extends ELResolver {

    private static final Set<String> METHODS = Set.of(
            "strip", "lstrip", "rstrip", "startswith", "endswith", "upper", "lower", "title",
            "capitalize", "split", "replace", "join");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof CharSequence) || method == null || !METHODS.contains(method.toString())) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(base.toString(), method.toString(), args);
        context.setPropertyResolved(true);
        return result;
    }

    private static Object call(String s, String method, Object[] args) {
        switch (method) {
            case "strip":
                return PythonStrings.strip(s, optionalString(args, 0, method));
            case "lstrip":
                return PythonStrings.lstrip(s, optionalString(args, 0, method));
            case "rstrip":
                return PythonStrings.rstrip(s, optionalString(args, 0, method));
            case "startswith":
                requireCount(args, 1, 1, method);
                return PythonStrings.startsWith(s, args[0]);
            case "endswith":
                requireCount(args, 1, 1, method);
                return PythonStrings.endsWith(s, args[0]);
            case "upper":
                requireCount(args, 0, 0, method);
                return PythonStrings.upper(s);
            case "lower":
                requireCount(args, 0, 0, method);
                return PythonStrings.lower(s);
            case "title":
                requireCount(args, 0, 0, method);
                return PythonStrings.title(s);
            case "capitalize":
                requireCount(args, 0, 0, method);
                return PythonStrings.capitalize(s);
            case "split":
                requireCount(args, 0, 2, method);
                return PythonStrings.split(s, optionalString(args, 0, method), optionalInt(args, 1, -1, method));
            case "replace":
                requireCount(args, 2, 3, method);
                return PythonStrings.replace(
                        s,
                        PythonStrings.requireString(args[0], method),
                        PythonStrings.requireString(args[1], method),
                        optionalInt(args, 2, -1, method));
            case "join":
                requireCount(args, 1, 1, method);
                return PythonStrings.join(s, args[0]);
            default:
                throw new IllegalStateException("No Python string method " + method);
        }
    }

    private static void requireCount(Object[] args, int min, int max, String method) {
        if (args.length < min || args.length > max) {
            throw new IllegalArgumentException(
                    method + "() takes " + (min == max ? min : min + " to " + max) + " arguments, got " + args.length);
        }
    }

    private static String optionalString(Object[] args, int index, String method) {
        if (index >= args.length || args[index] == null) {
            return null;
        }
        return PythonStrings.requireString(args[index], method);
    }

    private static int optionalInt(Object[] args, int index, int absent, String method) {
        if (index >= args.length || args[index] == null) {
            return absent;
        }
        if (args[index] instanceof Number number) {
            return number.intValue();
        }
        throw new IllegalArgumentException(method + "() expects an integer argument, got " + args[index]);
    }

    // Property access is left to the other resolvers.

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // Not resolved here.
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
