package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkeworkbench.testing.RowBlocksOn;
import org.pkeworkbench.testing.TwoLibtorchThreads;

/**
 * {@link RowBlockProduct}: the blocked product equals libtorch's {@code linear}, leaves the input's
 * shape and the weight's manager as they were, and returns null where it does not apply.
 */
@ExtendWith({TwoLibtorchThreads.class, RowBlocksOn.class})
class RowBlockProductTest {

    private static final int OUT = 2048;
    private static final int IN = 512;

    @ParameterizedTest
    @ValueSource(ints = {2, 4, 16})
    void equalsLinearForOneAndSeveralRows(int blocks) {
        try (NDManager weights = NDManager.newBaseManager(Device.cpu());
                NDManager pass = NDManager.newBaseManager(Device.cpu())) {
            NDArray weight = weights.randomNormal(new Shape(OUT, IN));
            int weightArrays = weights.getManagedArrays().size();

            for (Shape inputShape : new Shape[] {new Shape(1, 1, IN), new Shape(5, IN), new Shape(2, 3, IN)}) {
                NDArray x = pass.randomNormal(inputShape);
                float[] expected = Linear.linear(x, weight).singletonOrThrow().toFloatArray();

                NDArray blocked = RowBlockProduct.compute(x, weight, blocks, true);

                Shape expectedShape = new Shape(withLast(inputShape, OUT));
                assertEquals(expectedShape, blocked.getShape());
                assertEquals(inputShape, x.getShape(), "the input keeps its shape");
                assertArrayEquals(expected, blocked.toFloatArray(), 1e-4f);
            }
            assertEquals(weightArrays, weights.getManagedArrays().size(), "no views join the weight's manager");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void inOutLayoutEqualsMatMul(int blocks) {
        try (NDManager weights = NDManager.newBaseManager(Device.cpu());
                NDManager pass = NDManager.newBaseManager(Device.cpu())) {
            NDArray weight = weights.randomNormal(new Shape(IN, OUT));
            int weightArrays = weights.getManagedArrays().size();

            for (Shape inputShape : new Shape[] {new Shape(1, 1, IN), new Shape(2, 3, IN)}) {
                NDArray x = pass.randomNormal(inputShape);
                float[] expected = x.matMul(weight).toFloatArray();

                NDArray blocked = RowBlockProduct.compute(x, weight, blocks, false);

                assertEquals(new Shape(withLast(inputShape, OUT)), blocked.getShape());
                assertArrayEquals(expected, blocked.toFloatArray(), 1e-4f);
            }
            assertNotNull(RowBlockProduct.tryComputeInOut(pass.randomNormal(new Shape(1, 1, IN)), weight),
                    "one row of a large [in, out] weight");
            assertEquals(weightArrays, weights.getManagedArrays().size(), "no views join the weight's manager");
        }
    }

    @Test
    void appliesToOneRowOfLargeWeight() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NDArray large = manager.randomNormal(new Shape(OUT, IN));
            NDArray row = manager.randomNormal(new Shape(1, 1, IN));

            assertNotNull(RowBlockProduct.tryCompute(row, large), "one row of a large weight");
            assertNull(RowBlockProduct.tryCompute(manager.randomNormal(new Shape(1, 33, IN)), large),
                    "more rows than MAX_ROWS");
            assertNull(RowBlockProduct.tryCompute(manager.randomNormal(new Shape(1, 1, 64)),
                    manager.randomNormal(new Shape(64, 64))), "a small weight");
            assertNull(RowBlockProduct.tryCompute(row.toType(DataType.FLOAT16, false),
                    large.toType(DataType.FLOAT16, false)), "a float16 weight");

            System.setProperty(RowBlockProduct.PROPERTY, "false");
            assertNull(RowBlockProduct.tryCompute(row, large), "turned off");

            System.setProperty(RowBlockProduct.PROPERTY, "true");
            JniUtils.setNumThreads(1);
            assertNull(RowBlockProduct.tryCompute(row, large), "one thread");
        }
    }

    @Test
    void defaultIsOffOnIntelOnly() {
        assertFalse(RowBlockProduct.defaultFor(Optional.of("GenuineIntel")));
        assertTrue(RowBlockProduct.defaultFor(Optional.of("AuthenticAMD")));
        assertTrue(RowBlockProduct.defaultFor(Optional.empty()), "unknown makes keep the split");

        System.setProperty(RowBlockProduct.PROPERTY, "sometimes");
        boolean byVendor = RowBlockProduct.enabled();
        System.setProperty(RowBlockProduct.PROPERTY, "auto");
        assertEquals(byVendor, RowBlockProduct.enabled(), "an invalid value reads as auto");
        assertEquals(RowBlockProduct.defaultFor(CpuInfo.current().vendor()), byVendor);
        System.setProperty(RowBlockProduct.PROPERTY, "FALSE");
        assertFalse(RowBlockProduct.enabled());
        assertEquals("-D" + RowBlockProduct.PROPERTY + "=false", RowBlockProduct.reason());
    }

    @Test
    void decoderLinearWithBiasMatches() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NDArray weight = manager.randomNormal(new Shape(OUT, IN));
            NDArray bias = manager.randomNormal(new Shape(OUT));
            NDArray row = manager.randomNormal(new Shape(1, 1, IN));

            float[] expected = Linear.linear(row, weight, bias).singletonOrThrow().toFloatArray();

            assertArrayEquals(expected, DecoderModel.linear(row, weight, bias).toFloatArray(), 1e-4f);
        }
    }

    @Test
    void skipsWhileRecordingGradients() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray large = manager.randomNormal(new Shape(OUT, IN));
            assertNull(RowBlockProduct.tryCompute(manager.randomNormal(new Shape(1, 1, IN)), large));
        }
    }

    @Test
    void blockCountDividesTheRows() {
        assertEquals(0, RowBlockProduct.blockCount(32000, 1), "one thread: no split");
        assertEquals(2, RowBlockProduct.blockCount(32000, 2));
        assertEquals(16, RowBlockProduct.blockCount(128256, 16));
        assertEquals(29, RowBlockProduct.blockCount(50257, 16), "GPT-2's vocabulary is 29 x 1733");
        assertEquals(0, RowBlockProduct.blockCount(50257, 2), "no divisor from 2 to 4");
        assertEquals(3, RowBlockProduct.blockCount(2817, 2));
    }

    private static long[] withLast(Shape shape, long last) {
        long[] dims = shape.getShape().clone();
        dims[dims.length - 1] = last;
        return dims;
    }
}
