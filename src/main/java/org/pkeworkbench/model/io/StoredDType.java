package org.pkeworkbench.model.io;

import java.util.Optional;

/**
 * Element types that a safetensors header can name. Only {@link #F32}, {@link #F16} and
 * {@link #BF16} can be loaded as float32; the others are recognised so that headers parse and
 * errors can name the type.
 */
public enum StoredDType {
    F64(8),
    F32(4),
    F16(2),
    BF16(2),
    F8_E4M3(1),
    F8_E5M2(1),
    I64(8),
    I32(4),
    I16(2),
    I8(1),
    U64(8),
    U32(4),
    U16(2),
    U8(1),
    BOOL(1);

    private final int sizeBytes;

    StoredDType(int sizeBytes) {
        this.sizeBytes = sizeBytes;
    }

    /** Bytes per element. */
    public int sizeBytes() {
        return sizeBytes;
    }

    /** Returns whether {@link WeightStore#loadFloat32} can convert this type to float32. */
    public boolean isLoadableAsFloat32() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** Looks up a type by its safetensors name (case-sensitive, as the format spells it). */
    public static Optional<StoredDType> fromSafetensorsName(String name) {
        for (StoredDType type : values()) {
            if (type.name().equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
