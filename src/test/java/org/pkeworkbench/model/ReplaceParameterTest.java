package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.pkeworkbench.testing.SharedFiles;

/**
 * {@link DecoderModel#replaceParameter} on stories260K: a value in the compute type becomes the
 * parameter without a copy, another is converted and stays the caller's, and replacing back
 * closes the replaced array, so applying and reverting edits leaves no arrays behind.
 */
class ReplaceParameterTest {

    @Test
    void sameTypeValueBecomesTheParameter() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu())) {
            String name = model.mlpLayout(2).down();
            NDArray original = model.parameter(name);
            NDArray edited = original.add(1f);

            model.replaceParameter(name, edited, true);
            NDArray replaced = model.parameter(name);
            model.replaceParameter(name, original, false);

            assertSame(edited, replaced);
            assertTrue(edited.isReleased(), "reverting closes the edited array");
            assertSame(original, model.parameter(name));
            assertFalse(original.isReleased());
        }
    }

    @Test
    void otherTypeValueIsConverted() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
                NDManager caller = NDManager.newBaseManager(Device.cpu())) {
            String name = model.mlpLayout(1).up();
            NDArray wide = model.parameter(name).toType(DataType.FLOAT64, true);
            wide.attach(caller);

            model.replaceParameter(name, wide, false);

            NDArray parameter = model.parameter(name);
            assertNotSame(wide, parameter);
            assertEquals(DataType.FLOAT32, parameter.getDataType());
            assertFalse(wide.isReleased(), "the converted value stays the caller's");
            assertArrayEquals(wide.toType(DataType.FLOAT32, false).toFloatArray(), parameter.toFloatArray());
        }
    }

    @Test
    void otherShapeIsRejected() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.stories260K(), Device.cpu());
                NDManager caller = NDManager.newBaseManager(Device.cpu())) {
            String name = model.mlpLayout(0).down();
            NDArray wrong = caller.zeros(new Shape(3, 3));

            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> model.replaceParameter(name, wrong, false));

            assertTrue(error.getMessage().contains("the replacement has (3, 3)"), error.getMessage());
        }
    }
}
