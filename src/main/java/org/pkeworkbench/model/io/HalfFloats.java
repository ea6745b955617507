package org.pkeworkbench.model.io;

/**
 * Conversions between float32 and the two 16-bit float formats that model weights use:
 * IEEE 754 binary16 (F16: 1 sign, 5 exponent, 10 mantissa bits) and bfloat16 (BF16: the top
 * 16 bits of a float32). Narrowing rounds to nearest, ties to even, as PyTorch does.
 *
 * <p>Java 20 added {@code Float.float16ToFloat}; this project targets Java 17, so the binary16
 * conversion is written out here, including subnormals, infinities and NaN.
 */
public final class HalfFloats {

    private static final int F16_EXPONENT_BIAS = 15;
    private static final int F32_EXPONENT_BIAS = 127;

    private HalfFloats() {}

    /** Widens binary16 bits (the low 16 bits of {@code bits}) to the exactly equal float32. */
    public static float float16ToFloat(short bits) {
        int half = bits & 0xFFFF;
        int sign = (half & 0x8000) << 16;
        int exponent = (half >>> 10) & 0x1F;
        int mantissa = half & 0x3FF;

        if (exponent == 0) {
            // Zero or subnormal: mantissa * 2^-24, which float32 represents exactly.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        if (exponent == 0x1F) {
            // Infinity (mantissa 0) or NaN; the NaN payload moves to the top of the float32 mantissa.
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        int floatExponent = exponent - F16_EXPONENT_BIAS + F32_EXPONENT_BIAS;
        return Float.intBitsToFloat(sign | (floatExponent << 23) | (mantissa << 13));
    }

    /**
     * Narrows a float32 to binary16 bits, rounding to nearest with ties to even. Magnitudes from
     * 65520 up become infinity, magnitudes up to 2^-25 become zero, and NaN stays a quiet NaN.
     */
    public static short floatToFloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int magnitudeBits = bits & 0x7FFFFFFF;

        if (magnitudeBits >= 0x7F800000) {
            if (magnitudeBits == 0x7F800000) {
                return (short) (sign | 0x7C00);
            }
            return (short) (sign | 0x7E00 | ((magnitudeBits >>> 13) & 0x3FF));
        }

        int exponent = (magnitudeBits >>> 23) - F32_EXPONENT_BIAS + F16_EXPONENT_BIAS;
        int mantissa = magnitudeBits & 0x7FFFFF;
        if (exponent >= 0x1F) {
            return (short) (sign | 0x7C00);
        }

        if (exponent <= 0) {
            // The result is subnormal or zero. Below 2^-25 (exponent < -10) everything rounds to zero.
            if (exponent < -10) {
                return (short) sign;
            }
            int significand = mantissa | 0x800000;
            int shift = 14 - exponent;
            return (short) (sign | roundShiftRightToEven(significand, shift));
        }

        // Normal result. A carry out of the mantissa correctly bumps the exponent, up to infinity.
        int truncated = (exponent << 10) | (mantissa >>> 13);
        int remainder = mantissa & 0x1FFF;
        if (remainder > 0x1000 || (remainder == 0x1000 && (truncated & 1) != 0)) {
            truncated++;
        }
        return (short) (sign | truncated);
    }

    /** Widens bfloat16 bits to the exactly equal float32. */
    public static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Narrows a float32 to bfloat16 bits, rounding to nearest with ties to even; NaN stays a quiet NaN. */
    public static short floatToBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int lsbOfResult = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lsbOfResult) >>> 16);
    }

    private static int roundShiftRightToEven(int value, int shift) {
        int truncated = value >>> shift;
        int remainder = value & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (remainder > halfway || (remainder == halfway && (truncated & 1) != 0)) {
            truncated++;
        }
        return truncated;
    }
}
