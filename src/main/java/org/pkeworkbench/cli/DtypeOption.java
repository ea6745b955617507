package org.pkeworkbench.cli;

import org.pkeworkbench.model.ComputeDType;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The {@code --dtype} option of every command that loads a model with {@code --device}. */
final class DtypeOption {

    @Option(names = "--dtype", defaultValue = "float32", converter = Converter.class,
            description = "Type the weights are stored and computed in: float32 or float16, also written fp32 or f32 and "
                    + "fp16, f16 or half (default: ${DEFAULT-VALUE}). "
                    + "float16 takes 2 bytes per parameter and is meant for GPUs; on a CPU without AVX512-FP16 "
                    + "instructions its matrix products are far slower than float32. bfloat16 is rejected because "
                    + "DJL 0.36 aborts on BFLOAT16 arrays.")
    ComputeDType dtype = ComputeDType.FLOAT32;

    ComputeDType value() {
        return dtype;
    }

    /** Parses with {@link ComputeDType#parse}, so picocli prints its message (including the bfloat16 reason). */
    static final class Converter implements ITypeConverter<ComputeDType> {
        @Override
        public ComputeDType convert(String value) {
            try {
                return ComputeDType.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
