package org.pkeworkbench.cli;

import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Converters for the whole-number and decimal options of every command. Their messages replace
 * picocli's "'abc' is not an int": a number too large names the limit. Infinity and NaN, also
 * from a literal such as 1e400, are rejected, because no option means them.
 *
 * <p>Options with their own converter, such as {@code --threads}, keep it.
 */
final class NumberConverters {

    private NumberConverters() {}

    /** Registers the converters on {@code commandLine} and the subcommands it already has. */
    static void register(CommandLine commandLine) {
        ITypeConverter<Integer> integer = NumberConverters::wholeNumber;
        ITypeConverter<Long> longInteger = NumberConverters::longWholeNumber;
        ITypeConverter<Double> decimal = NumberConverters::finiteNumber;
        commandLine.registerConverter(Integer.class, integer);
        commandLine.registerConverter(Integer.TYPE, integer);
        commandLine.registerConverter(Long.class, longInteger);
        commandLine.registerConverter(Long.TYPE, longInteger);
        commandLine.registerConverter(Double.class, decimal);
        commandLine.registerConverter(Double.TYPE, decimal);
    }

    static Integer wholeNumber(String value) {
        return (int) wholeNumberWithin(value, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    static Long longWholeNumber(String value) {
        return wholeNumberWithin(value, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** Parses {@code value} as a whole number from {@code minimum} to {@code maximum}. */
    private static long wholeNumberWithin(String value, long minimum, long maximum) {
        String text = value.trim();
        try {
            long number = Long.parseLong(text);
            if (number >= minimum && number <= maximum) {
                return number;
            }
        } catch (NumberFormatException e) {
            // Too large for a long, or not a whole number: the message below names which.
        }
        throw outOfRangeOrInvalid(value, text, minimum, maximum);
    }

    static Double finiteNumber(String value) {
        double number;
        try {
            number = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a number");
        }
        if (!Double.isFinite(number)) {
            throw new TypeConversionException("'" + value + "' is not a finite number");
        }
        return number;
    }

    private static TypeConversionException outOfRangeOrInvalid(String value, String text, long minimum, long maximum) {
        if (text.matches("-\\d+")) {
            return new TypeConversionException(String.format(Locale.ROOT,
                    "'%s' is too small; the smallest whole number here is %d", value, minimum));
        }
        if (text.matches("\\+?\\d+")) {
            return new TypeConversionException(String.format(Locale.ROOT,
                    "'%s' is too large; the largest whole number here is %d", value, maximum));
        }
        return new TypeConversionException("'" + value + "' is not a whole number");
    }
}
