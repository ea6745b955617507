package org.pkeworkbench.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.pkeworkbench.model.gpt2.Gpt2Model;
import org.pkeworkbench.model.io.ModelFormatException;
import org.pkeworkbench.model.io.WeightStore;
import org.pkeworkbench.model.llama.LlamaModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A decoder-only transformer over DJL's PyTorch engine, with named capture points, interventions,
 * weight overrides (for gradients and edits) and a KV cache. Weights live on the chosen device in
 * the chosen {@link ComputeDType}; the source directory is only read.
 *
 * <p>Precision rule. With {@link ComputeDType#FLOAT32} every step is float32. With
 * {@link ComputeDType#FLOAT16} weights, matrix products, activations, the residual stream and the
 * KV cache are float16, and these steps are upcast to float32 for stability, as Hugging Face
 * {@code transformers} does: the statistics of RMSNorm and LayerNorm (the normalized value is cast
 * back before the scale weight), the attention scores from the scaling on, with the mask and the
 * softmax (the pattern is cast back before it weighs the values), the rotary cos/sin tables (built
 * in float32, then cast), and the logits (the head's float16 output is cast, so log-softmax and
 * losses computed from it are float32). Whatever leaves the model is float32 in both modes: logits,
 * captures (see {@link ForwardResult}) and {@link #logitLens}; arrays that callers pass in (an
 * intervention's result, a start residual, a weight override, a logit-lens residual) may be
 * either type and are cast to the compute type.
 *
 * <p>Example:
 * <pre>{@code
 * try (DecoderModel model = DecoderModel.load(dir, Device.cpu());
 *      NDManager scope = model.manager().newSubManager()) {
 *     NDArray ids = scope.create(new long[][] {{1, 403, 407}});
 *     ForwardResult out = model.forward(scope, ids, ForwardOptions.create().capture(HookPoints.mlpAct(2)));
 * }
 * }</pre>
 */
public abstract class DecoderModel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DecoderModel.class);

    /** Model folders whose float16 load on the CPU was already logged. */
    private static final Set<Path> FLOAT16_CPU_LOGGED = ConcurrentHashMap.newKeySet();

    protected final ModelConfig config;
    private final Path directory;
    private final NDManager manager;
    private final Device device;
    private final ComputeDType dtype;
    /** Parameters by canonical name, in load order. */
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();
    /** Canonical name to the tensor name in the source files, for writing edited models back. */
    private final Map<String, String> storedNames = new LinkedHashMap<>();
    /** See {@link #mlpNeuronAxes()}. */
    private volatile Map<String, Integer> neuronAxes;

    /** A float32 model; see {@link #DecoderModel(ModelConfig, Path, Device, ComputeDType)}. */
    protected DecoderModel(ModelConfig config, Path directory, Device device) {
        this(config, directory, device, ComputeDType.FLOAT32);
    }

    protected DecoderModel(ModelConfig config, Path directory, Device device, ComputeDType dtype) {
        this.config = config;
        this.directory = directory;
        this.device = device;
        this.dtype = java.util.Objects.requireNonNull(dtype, "dtype");
        this.manager = NDManager.newBaseManager(device);
    }

    /**
     * Loads the model in {@code modelDir} onto {@code device} in float32, validating names and
     * shapes against its config.
     */
    public static DecoderModel load(Path modelDir, Device device) throws IOException {
        return load(modelDir, device, ComputeDType.FLOAT32, true, ProgressListener.NONE);
    }

    /** Loads like {@link #load(Path, Device)}, storing the weights and computing in {@code dtype}. */
    public static DecoderModel load(Path modelDir, Device device, ComputeDType dtype) throws IOException {
        return load(modelDir, device, dtype, true, ProgressListener.NONE);
    }

    /**
     * Loads like {@link #load(Path, Device)}, reporting the share of tensors loaded and stopping
     * between tensors when {@code progress} is cancelled; the partly loaded model is then freed.
     *
     * @throws java.util.concurrent.CancellationException when cancelled
     */
    public static DecoderModel load(Path modelDir, Device device, ProgressListener progress) throws IOException {
        return load(modelDir, device, ComputeDType.FLOAT32, true, progress);
    }

    /** Loads like {@link #load(Path, Device, ProgressListener)}, in {@code dtype}. */
    public static DecoderModel load(Path modelDir, Device device, ComputeDType dtype, ProgressListener progress)
            throws IOException {
        return load(modelDir, device, dtype, true, progress);
    }

    /**
     * Loads the model in {@code modelDir} without its language-model head, for checkpoints whose
     * head is something else, such as the {@code score} layer of a {@code *ForSequenceClassification}
     * model. Forward passes must use {@link ForwardOptions#withoutLogits()}, and the logit lens fails,
     * unless the head is tied to the embeddings and so belongs to the body.
     */
    public static DecoderModel loadBody(Path modelDir, Device device) throws IOException {
        return load(modelDir, device, ComputeDType.FLOAT32, false, ProgressListener.NONE);
    }

    /** Loads like {@link #loadBody(Path, Device)}, in {@code dtype}. */
    public static DecoderModel loadBody(Path modelDir, Device device, ComputeDType dtype) throws IOException {
        return load(modelDir, device, dtype, false, ProgressListener.NONE);
    }

    private static DecoderModel load(Path modelDir, Device device, ComputeDType dtype, boolean withHead,
            ProgressListener progress) throws IOException {
        long started = System.nanoTime();
        NativeMemoryTuning.apply();
        MklCodePath.apply();
        LibtorchProbe.check();
        if (dtype == ComputeDType.FLOAT32) {
            RowBlockProduct.logDecision(device);
        }
        if (dtype == ComputeDType.FLOAT16 && !device.isGpu()) {
            logFloat16OnCpu(modelDir);
        }
        ModelConfig config = ModelConfig.load(modelDir);
        DecoderModel model = config.architecture() == Architecture.GPT2
                ? new Gpt2Model(config, modelDir, device, dtype)
                : new LlamaModel(config, modelDir, device, dtype);
        try (WeightStore store = WeightStore.open(modelDir)) {
            model.loadParameters(store, withHead, progress);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
        LOG.info("Loaded {} ({} layers, hidden {}, {} parameters, {} bytes in {}) from {} on {} in {} ms",
                config.modelType(), config.numLayers(), config.hiddenSize(), model.parameterCount(),
                model.parameterBytes(), dtype.label(), modelDir, device, (System.nanoTime() - started) / 1_000_000);
        return model;
    }

    private void loadParameters(WeightStore store, boolean withHead, ProgressListener progress) throws IOException {
        Map<String, long[]> expectedShapes = expectedParameters();
        int done = 0;
        for (Map.Entry<String, long[]> expected : expectedShapes.entrySet()) {
            String canonical = expected.getKey();
            progress.checkCancelled();
            progress.update((double) done++ / expectedShapes.size(), "loading " + canonical);
            if (!withHead && headParameters().contains(canonical)) {
                continue;
            }
            String stored = resolveStoredName(store, canonical);
            if (stored == null) {
                throw new ModelFormatException(directory, "tensor '" + canonical + "' is missing from the safetensors "
                        + "files, but config.json (" + config.modelType() + ", " + config.numLayers()
                        + " layers) needs it", "Check that the weights and config.json belong to the same model");
            }
            NDArray value = dtype == ComputeDType.FLOAT16
                    ? store.loadFloat16(stored, manager)
                    : store.loadFloat32(stored, manager);
            long[] shape = value.getShape().getShape();
            if (!Arrays.equals(shape, expected.getValue())) {
                throw new ModelFormatException(directory, "tensor '" + stored + "' has shape " + Arrays.toString(shape)
                        + " but config.json implies " + Arrays.toString(expected.getValue()),
                        "Check that the weights and config.json belong to the same model");
            }
            if (!device.equals(value.getDevice())) {
                NDArray moved = value.toDevice(device, false);
                value.close();
                value = moved;
            }
            value.setName(canonical);
            parameters.put(canonical, value);
            storedNames.put(canonical, stored);
        }
    }

    /** Finds a canonical parameter in the store; architectures with optional name prefixes override this. */
    protected String resolveStoredName(WeightStore store, String canonical) {
        return store.contains(canonical) ? canonical : null;
    }

    /** Returns the language-model head parameters that the body does not share (tied embeddings are shared). */
    protected Set<String> headParameters() {
        return Set.of();
    }

    /** The parameters this architecture reads, by canonical name, with the shape the config implies. */
    protected abstract Map<String, long[]> expectedParameters();

    /** Returns the names and neuron axes of the MLP weights of {@code layer}. */
    public abstract MlpLayout mlpLayout(int layer);

    /** Token (and position) embeddings: {@code [batch, seq]} ids to {@code [batch, seq, hidden]}. */
    protected abstract NDArray embed(Pass pass, NDArray inputIds, NDArray positions);

    /** One decoder layer: {@code [batch, seq, hidden]} to {@code [batch, seq, hidden]}, calling the layer's hooks. */
    protected abstract NDArray layer(Pass pass, int layer, NDArray residual);

    /** The final norm, {@code [batch, seq, hidden]} to the same shape. */
    protected abstract NDArray finalNorm(Pass pass, NDArray residual);

    /** The unembedding (language-model head): {@code [batch, seq, hidden]} to {@code [batch, seq, vocab]}. */
    protected abstract NDArray unembed(Pass pass, NDArray normed);

    /**
     * Runs the model on {@code inputIds} ({@code [batch, seq]}, INT64). Logits and captures are
     * attached to {@code scope}; intermediate arrays are freed before returning.
     */
    public ForwardResult forward(NDManager scope, NDArray inputIds, ForwardOptions options) {
        // NOTE: callers on threads other than the engine's first call Autograd.disableOnThisThread(),
        // unless they run inside a gradient collector; forward itself must not change the setting.
        if (inputIds.getShape().dimension() != 2) {
            throw new IllegalArgumentException("inputIds must be [batch, seq], got " + inputIds.getShape());
        }
        checkSliceChanges(options);
        try (NDManager scratch = scope.newSubManager(device)) {
            Pass pass = new Pass(scratch, options);
            NDArray ids = inputIds.toType(DataType.INT64, false);
            pass.preparePositions(ids);

            int firstLayer = options.startLayer();
            NDArray x = options.startResidual() == null
                    ? pass.hook(HookPoints.EMBED, embed(pass, ids, pass.positions))
                    : startResidual(pass, ids);
            // Without gradient recording nothing needs a layer's intermediates after the layer, so
            // each layer runs in its own scope: peak memory is one layer's attention scores, not all.
            boolean freeEachLayer = !JniUtils.isGradMode();
            for (int layer = firstLayer; layer < config.numLayers(); layer++) {
                x = pass.hook(HookPoints.residPre(layer), x);
                x = freeEachLayer ? layerInOwnScope(pass, layer, x) : layer(pass, layer, x);
                x = pass.hook(HookPoints.residPost(layer), x);
            }
            NDArray normed = pass.hook(HookPoints.FINAL_NORM, finalNorm(pass, x));
            NDArray logits = options.computeLogits() ? float32(unembed(pass, normed)) : null;

            if (logits != null) {
                logits.attach(scope);
            }
            pass.captures.values().forEach(value -> value.attach(scope));
            return new ForwardResult(logits, Collections.unmodifiableMap(pass.captures));
        }
    }

    /** Checks that each slice change names an MLP weight with no override, on its neuron axis, with a matching delta shape. */
    private void checkSliceChanges(ForwardOptions options) {
        if (options.sliceChanges().isEmpty()) {
            return;
        }
        Map<String, Integer> axes = mlpNeuronAxes();
        for (Map.Entry<String, SliceChange> entry : options.sliceChanges().entrySet()) {
            String name = entry.getKey();
            SliceChange change = entry.getValue();
            Integer axis = axes.get(name);
            if (axis == null) {
                throw new IllegalArgumentException("Slice changes apply to MLP weights only, and " + name
                        + " is not an MLP weight of this model");
            }
            if (options.weightOverrides().containsKey(name)) {
                throw new IllegalArgumentException(name + " has both an override and a slice change; use one");
            }
            Shape expected = parameter(name).getShape();
            Shape deltaShape = change.delta().getShape();
            int other = 1 - axis;
            if (change.axis() != axis || deltaShape.get(other) != expected.get(other)) {
                throw new IllegalArgumentException("The slice change of " + name + " " + expected
                        + " must have its neurons on axis " + axis + " and a delta of " + expected.get(other)
                        + " along axis " + other + ", got axis " + change.axis() + " and delta " + deltaShape);
            }
        }
    }

    /**
     * Returns the neuron axis of every MLP weight matrix, by canonical name, layer by layer with the
     * down projection, then the gate (when there is one) and the up projection.
     */
    public Map<String, Integer> mlpNeuronAxes() {
        // Computed on first use, because mlpLayout belongs to the subclass. Two threads may both
        // compute it then, with equal results.
        Map<String, Integer> axes = neuronAxes;
        if (axes == null) {
            Map<String, Integer> computed = new LinkedHashMap<>();
            for (int layer = 0; layer < config.numLayers(); layer++) {
                MlpLayout layout = mlpLayout(layer);
                computed.put(layout.down(), layout.downNeuronAxis());
                if (layout.gate() != null) {
                    computed.put(layout.gate(), layout.inNeuronAxis());
                }
                computed.put(layout.up(), layout.inNeuronAxis());
            }
            axes = Collections.unmodifiableMap(computed);
            neuronAxes = axes;
        }
        return axes;
    }

    /**
     * Checks the residual given by {@link ForwardOptions#startAt} against the ids and returns it,
     * or a copy owned by the pass when the start layer's {@code resid_pre} is captured (a capture
     * moves to the caller's scope, and the caller's array must stay where it is).
     */
    private NDArray startResidual(Pass pass, NDArray ids) {
        ForwardOptions options = pass.options;
        NDArray residual = options.startResidual();
        int layer = options.startLayer();
        if (layer > config.numLayers()) {
            throw new IllegalArgumentException("Start layer " + layer + " does not exist; the model has "
                    + config.numLayers() + " layers");
        }

        if (options.cache() != null) {
            throw new IllegalArgumentException("A forward pass that starts at layer " + layer
                    + " cannot use a KV cache, because the layers below would not fill it");
        }

        Shape expected = new Shape(ids.getShape().get(0), ids.getShape().get(1), config.hiddenSize());
        if (!residual.getShape().equals(expected)) {
            throw new IllegalArgumentException("The residual for start layer " + layer + " must be [batch, seq, hidden] = "
                    + expected + ", got " + residual.getShape());
        }

        if (residual.getDataType() != dtype.dataType()) {
            // The cast is a new array, owned by the pass like the copy below.
            return pass.toCompute(residual);
        }
        if (!options.shouldCapture(HookPoints.residPre(layer))) {
            // Results of an operation belong to its receiver's manager. The residual is lent to the
            // pass's scratch scope, so the layers' arrays are freed when the pass ends instead of
            // piling up in the caller's scope over an edit's steps.
            residual.tempAttach(pass.scratch);
            return residual;
        }
        NDArray copy = residual.duplicate();
        copy.attach(pass.scratch);
        return copy;
    }

    /**
     * Runs one layer with its input temporarily attached to a sub-scope, so that the arrays the
     * layer computes from it are freed when it returns. Its output and the captures it made move
     * to the pass's scratch scope first.
     */
    private NDArray layerInOwnScope(Pass pass, int layer, NDArray input) {
        java.util.Set<String> capturedBefore = new java.util.HashSet<>(pass.captures.keySet());
        try (NDManager layerScope = pass.scratch.newSubManager(device)) {
            input.tempAttach(layerScope);
            NDArray output = layer(pass, layer, input);
            if (output != input) {
                output.attach(pass.scratch);
            }
            for (Map.Entry<String, NDArray> capture : pass.captures.entrySet()) {
                if (!capturedBefore.contains(capture.getKey()) && capture.getValue() != input) {
                    capture.getValue().attach(pass.scratch);
                }
            }
            return output;
        }
    }

    /**
     * Reads a residual {@code [..., hidden]} (float32 or the compute type) through the final norm
     * and unembedding: the logit lens. Returns float32 logits {@code [..., vocab]} owned by {@code scope}.
     */
    public NDArray logitLens(NDManager scope, NDArray residual) {
        try (NDManager scratch = scope.newSubManager(device)) {
            Pass pass = new Pass(scratch, ForwardOptions.create());
            NDArray logits = float32(unembed(pass, finalNorm(pass, pass.toCompute(residual))));
            logits.attach(scope);
            return logits;
        }
    }

    /**
     * Scaled dot-product attention with a causal and padding mask, grouped-query sharing, the KV
     * cache and the {@code attn.v}, {@code attn.pattern} and {@code attn.z} capture points.
     *
     * @param q {@code [batch, heads, seq, headDim]}
     * @param k {@code [batch, kvHeads, seq, headDim]}
     * @param v {@code [batch, kvHeads, seq, headDim]}
     * @return the heads' outputs concatenated, {@code [batch, seq, heads * headDim]}
     */
    protected NDArray attend(Pass pass, int layer, NDArray q, NDArray k, NDArray v) {
        KvCache cache = pass.options.cache();
        if (cache != null) {
            NDArray[] full = cache.append(layer, k, v);
            // The pass works on views owned by the query's scope. Arrays derived from the cache's
            // own (the keys' transpose, a capture) would join the cache's manager, and each step's
            // would keep that step's keys and values alive until the cache closes.
            k = viewIn(q.getManager(), full[0]);
            v = viewIn(q.getManager(), full[1]);
        }
        v = pass.hook(HookPoints.attnV(layer), v);
        long batch = q.getShape().get(0);
        long heads = q.getShape().get(1);
        long seq = q.getShape().get(2);
        long headDim = q.getShape().get(3);
        long kvHeads = k.getShape().get(1);
        long keySeq = k.getShape().get(2);
        long groups = heads / kvHeads;

        // Query heads that share a key/value head are stacked along the sequence axis, so keys and
        // values are never copied per query head.
        // Scores are float32 from the scaling on, in both modes; the float16 mask value would overflow.
        NDArray grouped = q.reshape(batch, kvHeads, groups * seq, headDim);
        NDArray products = float32(grouped.matMul(k.transpose(0, 1, 3, 2)));
        NDArray scores = Tensors.scale(products, 1.0 / Math.sqrt(headDim));
        scores = scores.reshape(batch, heads, seq, keySeq).add(pass.additiveMask);
        NDArray pattern = pass.hook(HookPoints.attnPattern(layer), scores.softmax(-1));

        NDArray z = pattern.reshape(batch, kvHeads, groups * seq, keySeq).matMul(v)
                .reshape(batch, heads, seq, headDim)
                .transpose(0, 2, 1, 3);
        z = pass.hook(HookPoints.attnZ(layer), z);
        return z.reshape(batch, seq, heads * headDim);
    }

    /** Returns a view of {@code x}'s storage, with the same shape, owned by {@code scope}. */
    private static NDArray viewIn(NDManager scope, NDArray x) {
        NDArray view = x.reshape(x.getShape());
        view.attach(scope);
        return view;
    }

    /** {@code x @ weight^T}, with {@code weight} stored as {@code [out, in]}. */
    protected static NDArray linear(NDArray x, NDArray weight) {
        NDArray blocked = RowBlockProduct.tryCompute(x, weight);
        if (blocked != null) {
            return blocked;
        }
        return ai.djl.nn.core.Linear.linear(x, weight).singletonOrThrow();
    }

    /** {@code x @ weight^T + bias}, with {@code weight} stored as {@code [out, in]}. */
    protected static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        NDArray blocked = RowBlockProduct.tryCompute(x, weight);
        if (blocked != null) {
            return blocked.add(bias);
        }
        return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }

    /**
     * Logs how fast float16 is likely to be on this CPU: libtorch's float16 products were about as
     * fast as float32 ones with AVX512-FP16 instructions and hundreds of times slower without
     * (docs/gpu.md). Logs once per model folder and process, because bench and the app load a
     * model several times.
     */
    private static void logFloat16OnCpu(Path modelDir) {
        if (!FLOAT16_CPU_LOGGED.add(modelDir.toAbsolutePath().normalize())) {
            return;
        }
        Optional<Boolean> float16Arithmetic = CpuInfo.current().hasFloat16Arithmetic();
        if (float16Arithmetic.orElse(false)) {
            LOG.info("Loading {} in float16 on the CPU, which has AVX512-FP16 instructions: libtorch computes "
                    + "float16 products there about as fast as float32 ones", modelDir);
        } else if (float16Arithmetic.isPresent()) {
            LOG.warn("Loading {} in float16 on a CPU without AVX512-FP16 instructions, where libtorch's float16 "
                    + "matrix products are far slower than float32 ones. Use float32 here or float16 on a GPU.",
                    modelDir);
        } else {
            LOG.warn("Loading {} in float16 on a CPU whose instruction set could not be read. Without AVX512-FP16 "
                    + "instructions, libtorch's float16 matrix products are far slower than float32 ones. If passes "
                    + "are slow, use float32 or float16 on a GPU.", modelDir);
        }
    }

    public ModelConfig config() {
        return config;
    }

    public Path directory() {
        return directory;
    }

    public Device device() {
        return device;
    }

    /** Returns the manager that owns the parameters; create per-call sub-managers from it. */
    public NDManager manager() {
        return manager;
    }

    /** Returns a parameter by canonical name (Llama: {@code model.layers.0.mlp.down_proj.weight}; GPT-2: {@code h.0.mlp.c_proj.weight}). */
    public NDArray parameter(String name) {
        NDArray value = parameters.get(name);
        if (value == null) {
            throw new IllegalArgumentException("No parameter named '" + name + "'");
        }
        return value;
    }

    public List<String> parameterNames() {
        return List.copyOf(parameters.keySet());
    }

    /** Returns the tensor name under which {@code canonical} was stored and is written back. */
    public String storedName(String canonical) {
        return storedNames.getOrDefault(canonical, canonical);
    }

    /**
     * Replaces a parameter's value (used to apply or revert an edit). A value already in the
     * compute type and on the model's device becomes the parameter itself: the model takes it over,
     * so the caller must neither close nor change it afterwards. Another value is converted into a
     * new array and stays the caller's. The old array is closed unless {@code keepOld}.
     */
    public void replaceParameter(String name, NDArray value, boolean keepOld) {
        NDArray old = parameter(name);
        if (!old.getShape().equals(value.getShape())) {
            throw new IllegalArgumentException("Parameter '" + name + "' has shape " + old.getShape()
                    + ", the replacement has " + value.getShape());
        }
        // toDevice and toType return their receiver when nothing changes, and a new array otherwise.
        NDArray onDevice = value.toDevice(device, false);
        NDArray replacement = onDevice.toType(dtype.dataType(), false);
        if (onDevice != value && onDevice != replacement) {
            onDevice.close();
        }
        replacement.attach(manager);
        replacement.setName(name);
        parameters.put(name, replacement);
        if (!keepOld && old != replacement) {
            old.close();
        }
    }

    public long parameterCount() {
        return parameters.values().stream().mapToLong(p -> p.getShape().size()).sum();
    }

    /** Bytes the parameters take in memory: {@link #parameterCount()} times the bytes of their stored type. */
    public long parameterBytes() {
        return parameters.values().stream()
                .mapToLong(p -> p.getShape().size() * p.getDataType().getNumOfBytes())
                .sum();
    }

    /** Returns the type that the weights are stored in and the matrix products use. */
    public ComputeDType dtype() {
        return dtype;
    }

    /**
     * Returns a parameter as float32 for analysis that mixes it with float32 captures: the
     * parameter itself in float32 mode (do not close it), else a converted copy owned by {@code scope}.
     */
    public NDArray parameterFloat32(String name, NDManager scope) {
        NDArray value = parameter(name);
        if (value.getDataType() == DataType.FLOAT32) {
            return value;
        }
        NDArray converted = value.toType(DataType.FLOAT32, true);
        converted.attach(scope);
        return converted;
    }

    /**
     * Returns {@code x} as float32: {@code x} itself when it already is, else a converted array
     * beside it that keeps the gradient path (see {@link Tensors#cast}).
     */
    protected static NDArray float32(NDArray x) {
        return Tensors.cast(x, DataType.FLOAT32);
    }

    /** Returns {@code x} in the compute type, like {@link #float32}. */
    protected NDArray compute(NDArray x) {
        return Tensors.cast(x, dtype.dataType());
    }

    @Override
    public void close() {
        manager.close();
    }

    /** State of one forward pass: scratch memory, options, positions, mask and captured values. */
    protected final class Pass {

        final NDManager scratch;
        final ForwardOptions options;
        final Map<String, NDArray> captures = new LinkedHashMap<>();
        /** Position of each token, {@code [batch, seq]} INT64. */
        NDArray positions;
        /** Java copy of {@link #positions}, row-major, for rotary tables. */
        long[] positionValues;
        /** {@code [batch, 1, seq, keySeq]}: 0 where a query may attend, {@link AttentionMask#MASKED_SCORE} elsewhere. */
        NDArray additiveMask;
        /** Per-pass position tables an architecture computes once and reuses in every layer (rotary cos/sin). */
        private NDArray[] positionTables;
        /** Weight overrides of another float type, cast to the compute type, by parameter name. */
        private final Map<String, NDArray> castOverrides = new java.util.HashMap<>();

        Pass(NDManager scratch, ForwardOptions options) {
            this.scratch = scratch;
            this.options = options;
        }

        public NDManager scratch() {
            return scratch;
        }

        public long[] positionValues() {
            return positionValues;
        }

        public NDArray[] positionTables(java.util.function.Supplier<NDArray[]> compute) {
            if (positionTables == null) {
                positionTables = compute.get();
            }
            return positionTables;
        }

        /**
         * Returns the stored parameter, or its override for this pass. An override of another
         * float type is cast to the compute type once per pass; the cast keeps its gradient path.
         */
        public NDArray weight(String name) {
            NDArray override = options.weightOverrides().get(name);
            if (override == null) {
                return parameter(name);
            }
            if (override.getDataType() == dtype.dataType()) {
                return override;
            }
            return castOverrides.computeIfAbsent(name, key -> toCompute(override));
        }

        /**
         * Returns {@code y}, the product of {@code x} and the MLP weight {@code name}, plus this
         * pass's slice change of that weight when there is one (see {@link SliceChange}).
         *
         * @param x the product's input, {@code [batch, seq, in]}
         * @param y {@code x} times the stored weight, {@code [batch, seq, out]}
         * @param outInLayout true for a weight stored as {@code [out, in]} (a Linear layer), false
         *     for {@code [in, out]} (GPT-2's Conv1D)
         */
        public NDArray withSliceChange(String name, NDArray x, NDArray y, boolean outInLayout) {
            SliceChange change = options.sliceChange(name);
            if (change == null) {
                return y;
            }
            NDArray delta = toCompute(change.delta());
            int last = x.getShape().dimension() - 1;
            int inputAxis = outInLayout ? 1 : 0;

            if (change.axis() == inputAxis) {
                // The neurons are inputs of the product: their activations times the delta.
                NDArray picked = x.gather(neuronIndex(change, x.getShape()), last);
                return y.add(product(picked, delta, outInLayout));
            }

            // The neurons are outputs: x times the delta adds to their outputs only.
            NDArray extra = product(x, delta, outInLayout);
            NDArray index = neuronIndex(change, extra.getShape());
            NDArray sum = y.gather(index, last).add(extra);
            return y.scatter(index, sum, last);
        }

        /** Returns the change's neurons broadcast along the leading axes of {@code shape}, owned by this pass. */
        private NDArray neuronIndex(SliceChange change, Shape shape) {
            long[] dims = shape.getShape().clone(); // getShape() returns the Shape's own array
            dims[dims.length - 1] = change.neurons().getShape().get(0);
            long[] single = new long[dims.length];
            Arrays.fill(single, 1L);
            single[single.length - 1] = dims[dims.length - 1];
            // Both results are attached here: derived from the change's array, they would
            // otherwise belong to the caller's manager and stay until it closes.
            NDArray column = change.neurons().reshape(new Shape(single));
            column.attach(scratch);
            NDArray index = column.broadcast(new Shape(dims));
            index.attach(scratch);
            return index;
        }

        private NDArray product(NDArray x, NDArray weight, boolean outInLayout) {
            return outInLayout ? linear(x, weight) : x.matMul(weight);
        }

        /**
         * Returns {@code x} in the compute type, keeping the gradient path; a converted copy is
         * owned by this pass's scratch scope, so arrays of the caller's scope stay where they are.
         */
        public NDArray toCompute(NDArray x) {
            if (x.getDataType() == dtype.dataType()) {
                return x;
            }
            NDArray converted = Tensors.cast(x, dtype.dataType());
            converted.attach(scratch);
            return converted;
        }

        /**
         * Applies the intervention registered at {@code name}, and records the value when it is
         * captured. Interventions and captures get float32 values, a converted copy in float16
         * mode. The intervention's result is cast back, so the pass continues in the compute type.
         */
        public NDArray hook(String name, NDArray value) {
            UnaryOperator<NDArray> intervention = options.intervention(name);
            boolean captured = options.shouldCapture(name);
            if (intervention == null && !captured) {
                return compute(value);
            }
            NDArray result = intervention == null ? value : intervention.apply(float32(value));
            if (captured) {
                captures.put(name, float32(result));
            }
            return compute(result);
        }

        void preparePositions(NDArray ids) {
            int batch = (int) ids.getShape().get(0);
            int seq = (int) ids.getShape().get(1);
            KvCache cache = options.cache();
            int past = cache == null ? 0 : (int) cache.length();
            int total = past + seq;
            if (config.architecture() == Architecture.GPT2 && total > config.maxPositions()) {
                throw new IllegalArgumentException("The sequence has " + total + " tokens but this GPT-2 model has "
                        + config.maxPositions() + " learned positions (n_positions); use a shorter input");
            }

            long[] mask = paddingMask(batch, seq, past, total);
            AttentionMask attention = new AttentionMask(mask, batch, seq, past, config.slidingWindow());
            positionValues = attention.positions;
            additiveMask = Tensors.owned(scratch.create(attention.additive, new Shape(batch, 1, seq, total)));
            positions = Tensors.owned(scratch.create(positionValues, new Shape(batch, seq)));
        }

        private long[] paddingMask(int batch, int seq, int past, int total) {
            KvCache cache = options.cache();
            NDArray given = options.attentionMask();
            long[] mask = new long[batch * total];
            Arrays.fill(mask, 1L);
            if (given != null) {
                Shape shape = given.getShape();
                if (shape.get(0) == batch && shape.get(1) == total) {
                    mask = given.toType(DataType.INT64, false).toLongArray();
                } else if (shape.get(0) == batch && shape.get(1) == seq && cache != null && cache.mask() != null) {
                    mask = cache.mask().concat(given.toType(DataType.INT64, false), 1).toLongArray();
                } else {
                    throw new IllegalArgumentException("attentionMask must be [batch, pastSeq + seq] = [" + batch
                            + ", " + total + "], got " + shape);
                }
            } else if (cache != null && cache.mask() != null) {
                long[] past0 = cache.mask().toLongArray();
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(past0, b * past, mask, b * total, past);
                }
            }
            if (cache != null && (given != null || cache.mask() != null)) {
                cache.setMask(scratch.create(mask, new Shape(batch, total)));
            }
            return mask;
        }
    }
}
