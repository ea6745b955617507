package org.pkeworkbench.model.io;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Location, type and shape of one stored tensor.
 *
 * @param name tensor name as stored, for example {@code model.layers.0.mlp.down_proj.weight}
 * @param dtype stored element type
 * @param shape stored shape, row-major; empty for a scalar
 * @param file the safetensors file that contains the tensor
 * @param dataStart absolute byte offset of the first element in {@code file}
 * @param byteLength number of bytes, equal to the element count times {@code dtype.sizeBytes()}
 */
public record TensorInfo(
        String name, StoredDType dtype, long[] shape, Path file, long dataStart, long byteLength) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(file, "file");
        shape = shape.clone();
    }

    /** Returns a copy of the stored shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements: the product of the shape, 1 for a scalar. */
    public long elementCount() {
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorInfo that
                && name.equals(that.name)
                && dtype == that.dtype
                && Arrays.equals(shape, that.shape)
                && file.equals(that.file)
                && dataStart == that.dataStart
                && byteLength == that.byteLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), file, dataStart, byteLength);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " in " + file.getFileName()
                + " at byte " + dataStart + " (" + byteLength + " bytes)";
    }
}
