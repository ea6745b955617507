package org.pkeworkbench.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {

    @Test
    void float16HandCasesWiden() {
        assertEquals(1.0f, HalfFloats.float16ToFloat((short) 0x3C00));
        assertEquals(-2.0f, HalfFloats.float16ToFloat((short) 0xC000));
        assertEquals(65504.0f, HalfFloats.float16ToFloat((short) 0x7BFF));
        assertEquals(0x1p-14f, HalfFloats.float16ToFloat((short) 0x0400), "smallest normal");
        assertEquals(0x1p-24f, HalfFloats.float16ToFloat((short) 0x0001), "smallest subnormal");
        assertEquals(0x3FFp-24f, HalfFloats.float16ToFloat((short) 0x03FF), "largest subnormal");
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.float16ToFloat((short) 0x7C00));
        assertEquals(Float.NEGATIVE_INFINITY, HalfFloats.float16ToFloat((short) 0xFC00));
        assertTrue(Float.isNaN(HalfFloats.float16ToFloat((short) 0x7E00)));
        assertTrue(Float.isNaN(HalfFloats.float16ToFloat((short) 0x7C01)), "signalling NaN stays NaN");
        assertEquals(Float.floatToRawIntBits(0.0f), Float.floatToRawIntBits(HalfFloats.float16ToFloat((short) 0)));
        assertEquals(Float.floatToRawIntBits(-0.0f),
                Float.floatToRawIntBits(HalfFloats.float16ToFloat((short) 0x8000)), "negative zero keeps its sign");
    }

    @Test
    void float16RoundTripsEveryValue() {
        for (int bits = 0; bits <= 0xFFFF; bits++) {
            float widened = HalfFloats.float16ToFloat((short) bits);
            short narrowed = HalfFloats.floatToFloat16(widened);
            if (Float.isNaN(widened)) {
                assertTrue(Float.isNaN(HalfFloats.float16ToFloat(narrowed)), "NaN 0x" + Integer.toHexString(bits));
            } else {
                assertEquals(bits, narrowed & 0xFFFF, "round trip of 0x" + Integer.toHexString(bits));
            }
        }
    }

    @Test
    void float16NarrowingRoundsToNearestEven() {
        assertEquals(0x3C00, HalfFloats.floatToFloat16(1.0f + 0x1p-11f) & 0xFFFF, "tie goes to even 1.0");
        assertEquals(0x3C02, HalfFloats.floatToFloat16(1.0f + 0x3p-11f) & 0xFFFF, "tie goes to even mantissa 2");
        assertEquals(0x3C01, HalfFloats.floatToFloat16(1.0f + 0x1p-11f + 0x1p-20f) & 0xFFFF, "above tie rounds up");
        assertEquals(0x7BFF, HalfFloats.floatToFloat16(65519.0f) & 0xFFFF, "below the overflow tie");
        assertEquals(0x7C00, HalfFloats.floatToFloat16(65520.0f) & 0xFFFF, "overflow tie rounds to infinity");
        assertEquals(0x7C00, HalfFloats.floatToFloat16(1e10f) & 0xFFFF);
        assertEquals(0x0000, HalfFloats.floatToFloat16(0x1p-25f) & 0xFFFF, "half the smallest subnormal ties to zero");
        assertEquals(0x0001, HalfFloats.floatToFloat16(0x1.8p-25f) & 0xFFFF, "above half rounds to smallest subnormal");
        assertEquals(0x0002, HalfFloats.floatToFloat16(0x3p-25f) & 0xFFFF, "tie between subnormals goes to even");
        assertEquals(0x0400, HalfFloats.floatToFloat16(0x3FF8p-24f / 16) & 0xFFFF, "largest subnormal rounds up to normal");
        assertEquals(0x8000, HalfFloats.floatToFloat16(-1e-30f) & 0xFFFF, "tiny negative becomes negative zero");
        assertEquals(0x7E00, HalfFloats.floatToFloat16(Float.NaN) & 0xFFFF);
    }

    @Test
    void float16NarrowingMatchesPyTorch() {
        float[] values = new float[20_000];
        Random random = new Random(11);
        for (int i = 0; i < values.length; i++) {
            // Magnitudes from 2^-30 to 2^18 cover zero, subnormal, normal and overflowing results.
            values[i] = (float) (Math.pow(2, random.nextInt(48) - 30) * random.nextGaussian());
        }

        ShortBuffer torchBits;
        try (NDManager manager = NDManager.newBaseManager();
                NDArray half = manager.create(values).toType(DataType.FLOAT16, false)) {
            torchBits = half.toByteBuffer().order(ByteOrder.nativeOrder()).asShortBuffer();
        }

        for (int i = 0; i < values.length; i++) {
            assertEquals(torchBits.get(i), HalfFloats.floatToFloat16(values[i]), "value " + values[i]);
        }
    }

    @Test
    void bfloat16WidensAndRoundsToNearestEven() {
        assertEquals(1.0f, HalfFloats.bfloat16ToFloat((short) 0x3F80));
        assertEquals(Float.NEGATIVE_INFINITY, HalfFloats.bfloat16ToFloat((short) 0xFF80));

        assertEquals(0x3F80, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x3F808000)) & 0xFFFF, "tie to even down");
        assertEquals(0x3F82, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x3F818000)) & 0xFFFF, "tie to even up");
        assertEquals(0x3F81, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x3F808001)) & 0xFFFF, "above tie");
        assertEquals(0x7F80, HalfFloats.floatToBfloat16(Float.MAX_VALUE) & 0xFFFF, "overflow to infinity");
        assertTrue(Float.isNaN(HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x7F800001)))),
                "NaN with a payload only in the low bits stays NaN");

        for (int bits = 0; bits <= 0xFFFF; bits++) {
            float widened = HalfFloats.bfloat16ToFloat((short) bits);
            if (!Float.isNaN(widened)) {
                assertEquals(bits, HalfFloats.floatToBfloat16(widened) & 0xFFFF, "round trip of 0x" + Integer.toHexString(bits));
            }
        }
    }
}
