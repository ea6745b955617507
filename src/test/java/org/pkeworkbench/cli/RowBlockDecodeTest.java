package org.pkeworkbench.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.KvCache;
import org.pkeworkbench.model.RowBlockProduct;
import org.pkeworkbench.testing.RowBlocksOn;
import org.pkeworkbench.testing.TwoLibtorchThreads;

/**
 * Decode with the KV cache on a random Llama whose MLP and output matrices are large enough for
 * {@link RowBlockProduct}: the same tokens and logits with the split on and off, and each step's
 * logits equal to a full pass over the same ids.
 */
@ExtendWith({TwoLibtorchThreads.class, RowBlocksOn.class})
class RowBlockDecodeTest {

    /** Vocabulary 2048, hidden 512, MLP width 2048: gate, up, down and the head have 2^20 elements. */
    private static final RandomLlama MODEL = new RandomLlama(2048, 512, 2048, 2, 8, 4, 5L);

    private static final long[] PROMPT = {3, 17, 42, 99, 5, 1000, 2047};
    private static final int STEPS = 8;

    @TempDir
    Path temp;

    @Test
    void splitDecodeMatchesPlainAndFull() throws IOException {
        Autograd.disableOnThisThread();
        assertTrue(RowBlockProduct.appliesOn(Device.cpu()), "the split applies with 2 libtorch threads");
        MODEL.write(temp.resolve("model"));
        try (DecoderModel model = DecoderModel.load(temp.resolve("model"), Device.cpu())) {
            List<float[]> split = decode(model);
            System.setProperty(RowBlockProduct.PROPERTY, "false");
            List<float[]> plain = decode(model);

            for (int step = 0; step < STEPS; step++) {
                assertArrayEquals(plain.get(step), split.get(step), 1e-4f, "step " + step);
            }
            List<Long> ids = greedyIds(split);
            assertEquals(greedyIds(plain), ids, "same greedy tokens");

            // Each step equals the last position of a full pass over the prompt and the tokens
            // generated before it, computed with libtorch's product (the split is still off).
            long[] all = new long[PROMPT.length + STEPS];
            System.arraycopy(PROMPT, 0, all, 0, PROMPT.length);
            for (int step = 0; step < STEPS; step++) {
                all[PROMPT.length + step] = ids.get(step);
            }
            for (int step = 0; step < STEPS; step++) {
                float[] full = lastLogits(model, Arrays.copyOf(all, PROMPT.length + step));
                assertArrayEquals(full, split.get(step), 1e-4f, "cached step " + step + " against a full pass");
            }
        }
    }

    /** Logits of the last prompt position, then of each greedy step after it with the cache: {@value #STEPS} arrays. */
    private static List<float[]> decode(DecoderModel model) {
        List<float[]> steps = new ArrayList<>();
        try (NDManager scope = model.manager().newSubManager();
                KvCache cache = new KvCache(scope, model.config().numLayers())) {
            long[] input = PROMPT;
            for (int step = 0; step < STEPS; step++) {
                try (NDManager stepScope = scope.newSubManager()) {
                    NDArray logits = model.forward(stepScope, stepScope.create(input).reshape(1, input.length),
                            ForwardOptions.create().cache(cache)).logits();
                    float[] last = logits.get(0).get(input.length - 1).toFloatArray();
                    steps.add(last);
                    input = new long[] {argMax(last)};
                }
            }
        }
        return steps;
    }

    private static float[] lastLogits(DecoderModel model, long[] ids) {
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray logits = model.forward(scope, scope.create(ids).reshape(1, ids.length), ForwardOptions.create())
                    .logits();
            return logits.get(0).get(ids.length - 1).toFloatArray();
        }
    }

    private static List<Long> greedyIds(List<float[]> steps) {
        return steps.stream().map(RowBlockDecodeTest::argMax).toList();
    }

    private static long argMax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        assertTrue(Float.isFinite(values[best]));
        return best;
    }
}
