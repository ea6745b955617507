package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkeworkbench.testing.SharedFiles;

/** Decoding with a {@link KvCache}: the cache keeps one key and one value array per layer, whatever the pass derives from them. */
class KvCacheTest {

    private static final long[] PROMPT = {3, 17, 42, 99, 5};
    private static final int STEPS = 12;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-gpt2"})
    void cacheHoldsOnlyTheCurrentKeysAndValues(String fixture) throws IOException {
        Autograd.disableOnThisThread();
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture(fixture), Device.cpu());
                NDManager scope = model.manager().newSubManager();
                NDManager cacheParent = model.manager().newSubManager();
                KvCache cache = new KvCache(cacheParent, model.config().numLayers())) {
            int layers = model.config().numLayers();
            model.forward(scope, scope.create(PROMPT).reshape(1, -1), ForwardOptions.create().cache(cache));
            for (int step = 0; step < STEPS; step++) {
                try (NDManager stepScope = scope.newSubManager()) {
                    model.forward(stepScope, stepScope.create(new long[] {7 + step}).reshape(1, 1),
                            ForwardOptions.create().cache(cache));
                }
            }

            assertEquals(PROMPT.length + STEPS, cache.length());
            // A view derived from the cache's own keys (their transpose) would join the cache's
            // manager and keep that step's whole key array alive.
            assertEquals(2 * layers, cacheParent.getManagedArrays().size(), "arrays under the cache's manager");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-gpt2"})
    void capturedValuesOutliveLaterSteps(String fixture) throws IOException {
        Autograd.disableOnThisThread();
        try (DecoderModel model = DecoderModel.load(SharedFiles.fixture(fixture), Device.cpu());
                NDManager scope = model.manager().newSubManager();
                KvCache cache = new KvCache(scope, model.config().numLayers())) {
            String point = HookPoints.attnV(0);
            NDArray captured = model.forward(scope, scope.create(PROMPT).reshape(1, -1),
                    ForwardOptions.create().cache(cache).capture(point)).capture(point);
            float[] before = captured.toFloatArray();

            model.forward(scope, scope.create(new long[] {7}).reshape(1, 1), ForwardOptions.create().cache(cache));

            assertFalse(captured.isReleased(), "the capture stays open after the cache grows");
            assertArrayEquals(before, captured.toFloatArray(), "the capture keeps its values");
        }
    }
}
