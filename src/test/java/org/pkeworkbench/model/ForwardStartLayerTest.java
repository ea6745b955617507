package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkeworkbench.testing.SharedFiles;

/** Forward passes that start at a layer's input give the logits of the full pass they were cut from. */
class ForwardStartLayerTest {

    /** Two rows; the first has two left-padding tokens, so positions and masks differ per row. */
    private static final long[][] IDS = {{0, 0, 17, 42, 99, 5}, {7, 8, 9, 10, 11, 12}};
    private static final long[][] MASK = {{0, 0, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}};

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-gpt2", "tiny-mistral", "tiny-qwen2"})
    void startAtEveryLayerMatchesFullPass(String fixture) throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture(fixture), Device.cpu());
                NDManager scope = model.manager().newSubManager()) {
            NDArray ids = scope.create(IDS);
            NDArray mask = scope.create(MASK);
            int layers = model.config().numLayers();
            String[] points = new String[layers + 1];
            for (int layer = 0; layer <= layers; layer++) {
                points[layer] = layer < layers ? HookPoints.residPre(layer) : HookPoints.residPost(layers - 1);
            }
            ForwardResult full = model.forward(scope, ids, ForwardOptions.create().attentionMask(mask).capture(points));
            float[] expected = full.logits().toFloatArray();

            for (int layer = 0; layer <= layers; layer++) {
                NDArray input = full.capture(points[layer]);
                float[] resumed = model.forward(scope, ids,
                        ForwardOptions.create().attentionMask(mask).startAt(layer, input)).logits().toFloatArray();
                assertArrayEquals(expected, resumed, 1e-5f, fixture + " from layer " + layer);
            }
        }
    }

    @Test
    void startResidualStaysWithCaller() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture("tiny-llama3"), Device.cpu());
                NDManager scope = model.manager().newSubManager()) {
            NDArray ids = scope.create(IDS[1]).reshape(1, -1);
            NDArray input = model.forward(scope, ids, ForwardOptions.create().capture(HookPoints.residPre(1)))
                    .capture(HookPoints.residPre(1));
            float[] before = input.toFloatArray();
            try (NDManager pass = scope.newSubManager()) {
                ForwardResult resumed = model.forward(pass, ids,
                        ForwardOptions.create().startAt(1, input).capture(HookPoints.residPre(1)));
                assertArrayEquals(before, resumed.capture(HookPoints.residPre(1)).toFloatArray());
            }
            assertFalse(input.isReleased(), "the caller's array is still open");
            assertArrayEquals(before, input.toFloatArray());
        }
    }

    @Test
    void startLayerRejectsCacheAndWrongShape() throws IOException {
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture("tiny-llama3"), Device.cpu());
                NDManager scope = model.manager().newSubManager();
                KvCache cache = new KvCache(scope, model.config().numLayers())) {
            NDArray ids = scope.create(IDS[1]).reshape(1, -1);
            NDArray input = scope.zeros(new ai.djl.ndarray.types.Shape(1, IDS[1].length, model.config().hiddenSize()));

            IllegalArgumentException withCache = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(scope, ids, ForwardOptions.create().cache(cache).startAt(1, input)));
            assertTrue(withCache.getMessage().contains("KV cache"), withCache.getMessage());

            NDArray shorter = scope.zeros(new ai.djl.ndarray.types.Shape(1, 3, model.config().hiddenSize()));
            IllegalArgumentException wrongShape = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(scope, ids, ForwardOptions.create().startAt(1, shorter)));
            assertTrue(wrongShape.getMessage().contains("[batch, seq, hidden]"), wrongShape.getMessage());

            IllegalArgumentException pastEnd = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(scope, ids, ForwardOptions.create().startAt(4, input)));
            assertEquals("Start layer 4 does not exist; the model has 3 layers", pastEnd.getMessage());
        }
    }
}
