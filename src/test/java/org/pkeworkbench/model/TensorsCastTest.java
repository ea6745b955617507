package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/** {@link Tensors#cast} keeps gradients across float32 and float16, where DJL's {@code toType} drops them. */
class TensorsCastTest {

    @Test
    void gradientFlowsThroughFloat16AndBack() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {0.5f, -1.25f, 3f});
            x.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray half = Tensors.cast(x, DataType.FLOAT16);
                assertEquals(DataType.FLOAT16, half.getDataType());
                NDArray doubled = half.mul(half.onesLike().mul(2));
                NDArray back = Tensors.cast(doubled, DataType.FLOAT32);
                assertEquals(DataType.FLOAT32, back.getDataType());
                collector.backward(back.sum());
            }
            NDArray gradient = x.getGradient();
            assertEquals(DataType.FLOAT32, gradient.getDataType());
            assertArrayEquals(new float[] {2f, 2f, 2f}, gradient.toFloatArray());
        }
    }

    @Test
    void valuesRoundToNearestHalf() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {1f / 3, 65504f, 1e-8f});
            float[] roundTrip = Tensors.cast(Tensors.cast(x, DataType.FLOAT16), DataType.FLOAT32).toFloatArray();
            assertArrayEquals(new float[] {0.33325195f, 65504f, 0f}, roundTrip);
        }
    }

    @Test
    void sameTypeReturnsInput() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {1f});
            assertSame(x, Tensors.cast(x, DataType.FLOAT32));
        }
    }
}
