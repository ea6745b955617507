package org.pkeworkbench.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.ForwardResult;
import org.pkeworkbench.model.HookPoints;
import org.pkeworkbench.testing.SharedFiles;

/** Checks that the per-source and per-head attention parts add up to the captured block outputs. */
class AttentionDecompositionTest {

    private static final long[] TOKENS = {1, 17, 42, 99, 7, 250};

    static Stream<Path> models() {
        return Stream.of(SharedFiles.fixture("tiny-llama3"), SharedFiles.fixture("tiny-llama3-bf16-sharded"),
                SharedFiles.fixture("tiny-qwen2"), SharedFiles.fixture("tiny-mistral"), SharedFiles.fixture("tiny-gpt2"),
                SharedFiles.stories260K());
    }

    @ParameterizedTest
    @MethodSource("models")
    void partsSumToCapturedOutputs(Path modelDir) throws IOException {
        try (DecoderModel model = DecoderModel.load(modelDir, Device.cpu());
                NDManager scope = model.manager().newSubManager()) {
            // After loading, because the engine's native library is only bound once a model exists.
            Autograd.disableOnThisThread();
            ForwardOptions options = ForwardOptions.create().captureAll().withoutLogits();
            ForwardResult captured = model.forward(scope, scope.create(TOKENS).reshape(1, TOKENS.length), options);

            for (int layer = 0; layer < model.config().numLayers(); layer++) {
                AttentionDecomposition decomposition = AttentionDecomposition.of(scope, model, captured, layer);
                float[] attnOut = captured.capture(HookPoints.attnOut(layer)).toFloatArray();

                assertArrayEquals(attnOut, withBias(decomposition.perSource().sum(new int[] {0}), decomposition),
                        1e-4f, modelDir.getFileName() + " layer " + layer + ": per-source parts plus bias");
                assertArrayEquals(attnOut, withBias(decomposition.perHead().sum(new int[] {0}), decomposition),
                        1e-4f, modelDir.getFileName() + " layer " + layer + ": per-head parts plus bias");

                float[] residMid = captured.capture(HookPoints.residMid(layer)).toFloatArray();
                float[] midParts = captured.capture(HookPoints.residPre(layer))
                        .add(captured.capture(HookPoints.attnOut(layer))).toFloatArray();
                assertArrayEquals(residMid, midParts, 1e-5f, "layer " + layer + ": resid_pre + attn_out");

                float[] residPost = captured.capture(HookPoints.residPost(layer)).toFloatArray();
                float[] postParts = captured.capture(HookPoints.residMid(layer))
                        .add(captured.capture(HookPoints.mlpOut(layer))).toFloatArray();
                assertArrayEquals(residPost, postParts, 1e-5f, "layer " + layer + ": resid_mid + mlp_out");
            }
        }
    }

    private static float[] withBias(NDArray summed, AttentionDecomposition decomposition) {
        return decomposition.bias() == null ? summed.toFloatArray() : summed.add(decomposition.bias()).toFloatArray();
    }
}
