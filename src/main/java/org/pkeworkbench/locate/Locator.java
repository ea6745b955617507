package org.pkeworkbench.locate;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.pkeworkbench.edit.EditExample;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.ForwardResult;
import org.pkeworkbench.model.HookPoints;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.TokenLoss;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PKE locate step: which layers and which MLP neurons drive the unsafe response.
 *
 * <p>For every edit record the model is teacher-forced on prompt + safe and prompt + unsafe
 * response. Per layer it scores the relative hidden-state difference over the response tokens,
 * the gradient norm of the safe NLL with respect to the down projection, and the logit-lens
 * margin of the unsafe over the safe response; per neuron it scores the activation difference
 * times the safe NLL's gradient. All scores are averaged over the records.
 */
public final class Locator {

    private static final Logger LOG = LoggerFactory.getLogger(Locator.class);

    private final DecoderModel model;

    public Locator(DecoderModel model) {
        this.model = model;
    }

    /** Scores every layer and neuron over {@code examples} and proposes hot spots. */
    public LocateResult locate(List<EditExample> examples, LocateSettings settings, ProgressListener progress) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("Locating needs at least one edit record");
        }
        long started = System.nanoTime();
        Autograd.disableOnThisThread();
        int layers = model.config().numLayers();
        int neurons = model.config().intermediateSize();
        double[] hiddenDifference = new double[layers];
        double[] gradientScore = new double[layers];
        double[] margin = new double[layers + 1];
        double[][] neuronScores = new double[layers][neurons];
        double[][] activationDifference = new double[layers][neurons];
        double[][] gradientMagnitude = new double[layers][neurons];

        for (int r = 0; r < examples.size(); r++) {
            progress.checkCancelled();
            progress.update((double) r / examples.size(), "Scoring record " + (r + 1) + " of " + examples.size());
            try (NDManager scope = model.manager().newSubManager()) {
                scoreRecord(scope, examples.get(r), hiddenDifference, gradientScore, margin,
                        new NeuronSums(neuronScores, activationDifference, gradientMagnitude));
            }
        }

        int n = examples.size();
        double[] marginPerLayer = new double[layers];
        double[] marginIncrease = new double[layers];
        for (int l = 0; l < layers; l++) {
            hiddenDifference[l] /= n;
            gradientScore[l] /= n;
            marginPerLayer[l] = margin[l + 1] / n;
            marginIncrease[l] = Math.max(0, (margin[l + 1] - margin[l]) / n);
        }
        float[][] neuronTable = meanTable(neuronScores, n);
        double[] layerScore = combine(settings, hiddenDifference, gradientScore, marginIncrease);
        List<HotSpot> hotSpots = selectHotSpots(layerScore, neuronTable, settings);
        progress.update(1.0, "Located " + hotSpots.size() + " hot-spot layers");
        LOG.info("Located hot spots {} from {} records in {} ms", describe(hotSpots), n,
                (System.nanoTime() - started) / 1_000_000);
        return new LocateResult(hiddenDifference, gradientScore, marginPerLayer, layerScore, neuronTable, hotSpots,
                meanTable(activationDifference, n), meanTable(gradientMagnitude, n));
    }

    /** Per-neuron sums over records, each {@code [layers][intermediate]}. */
    private record NeuronSums(double[][] score, double[][] activationDifference, double[][] gradientMagnitude) {}

    private static float[][] meanTable(double[][] sums, int count) {
        float[][] out = new float[sums.length][];
        for (int l = 0; l < sums.length; l++) {
            out[l] = new float[sums[l].length];
            for (int j = 0; j < sums[l].length; j++) {
                out[l][j] = (float) (sums[l][j] / count);
            }
        }
        return out;
    }

    private void scoreRecord(NDManager scope, EditExample example, double[] hiddenDifference, double[] gradientScore,
            double[] margin, NeuronSums neuronSums) {
        int layers = model.config().numLayers();
        int start = example.prompt().length;

        // The unsafe pass needs no logits, and it is reduced to what the scores read before the
        // safe pass runs, so its captures are freed first.
        NDArray unsafeIds = scope.create(example.promptAndUnsafe()).reshape(1, -1);
        ResponseSummary unsafe;
        try (NDManager unsafeScope = scope.newSubManager()) {
            ForwardResult pass = model.forward(unsafeScope, unsafeIds, scoredCaptures(layers).withoutLogits());
            unsafe = summarize(scope, pass, unsafeIds, start);
        }

        // Zero probes added at mlp.act and mlp_out: their gradients are dNLL/da and dNLL/d(mlp_out).
        NDArray safeIds = scope.create(example.promptAndSafe()).reshape(1, -1);
        long seq = safeIds.getShape().get(1);
        ForwardOptions safeOptions = scoredCaptures(layers);
        NDArray[] activationProbes = new NDArray[layers];
        NDArray[] outputProbes = new NDArray[layers];
        for (int l = 0; l < layers; l++) {
            activationProbes[l] = probe(scope, new Shape(1, seq, model.config().intermediateSize()));
            outputProbes[l] = probe(scope, new Shape(1, seq, model.config().hiddenSize()));
            NDArray activationProbe = activationProbes[l];
            NDArray outputProbe = outputProbes[l];
            safeOptions.intervene(HookPoints.mlpAct(l), value -> value.add(activationProbe));
            safeOptions.intervene(HookPoints.mlpOut(l), value -> value.add(outputProbe));
        }
        ForwardResult safePass;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            safePass = model.forward(scope, safeIds, safeOptions);
            collector.backward(TokenLoss.meanNll(safePass.logits(), safeIds, start));
        }
        ResponseSummary safe = summarize(scope, safePass, safeIds, start);

        // The margins are the unsafe response's mean log-probability minus the safe one's.
        margin[0] += unsafe.lensLogProbs()[0] - safe.lensLogProbs()[0];
        for (int l = 0; l < layers; l++) {
            NDArray safeHidden = safe.residualMeans()[l];
            NDArray unsafeHidden = unsafe.residualMeans()[l];
            double scale = (norm(safeHidden) + norm(unsafeHidden)) / 2;
            hiddenDifference[l] += norm(unsafeHidden.sub(safeHidden)) / Math.max(scale, 1e-12);

            // dNLL/dW_down = G^T A, the sum over response tokens of g_t a_t^T, with g = dNLL/d(mlp_out)
            // and a the activations. Its Frobenius norm comes from the two [tokens, tokens] Gram
            // matrices, ||G^T A||^2 = sum((G G^T) * (A A^T)), so no [hidden, intermediate] array is made.
            NDArray responseActivations = response(safePass.capture(HookPoints.mlpAct(l)), start);
            NDArray responseOutputGradient = response(outputProbes[l].getGradient(), start);
            NDArray gradientGram = responseOutputGradient.matMul(responseOutputGradient.transpose());
            NDArray activationGram = responseActivations.matMul(responseActivations.transpose());
            gradientScore[l] += Math.sqrt(Math.max(0, gradientGram.mul(activationGram).sum().getFloat()));

            margin[l + 1] += unsafe.lensLogProbs()[l + 1] - safe.lensLogProbs()[l + 1];

            NDArray activationDifference = unsafe.activationMeans()[l].sub(safe.activationMeans()[l]).abs();
            NDArray gradientMagnitude = response(activationProbes[l].getGradient(), start).abs().mean(new int[] {0});
            float[] scores = activationDifference.mul(gradientMagnitude).toFloatArray();
            float[] differences = activationDifference.toFloatArray();
            float[] magnitudes = gradientMagnitude.toFloatArray();
            for (int j = 0; j < scores.length; j++) {
                neuronSums.score()[l][j] += scores[j];
                neuronSums.activationDifference()[l][j] += differences[j];
                neuronSums.gradientMagnitude()[l][j] += magnitudes[j];
            }
        }
    }

    /** Returns options that capture what a record's scores read: the embedding, and each layer's residual and MLP activations. */
    private static ForwardOptions scoredCaptures(int layers) {
        ForwardOptions options = ForwardOptions.create().capture(HookPoints.EMBED);
        for (int l = 0; l < layers; l++) {
            options.capture(HookPoints.residPost(l), HookPoints.mlpAct(l));
        }
        return options;
    }

    private static NDArray probe(NDManager scope, Shape shape) {
        NDArray probe = scope.zeros(shape);
        probe.setRequiresGradient(true);
        return probe;
    }

    /** Rows of the response tokens: {@code [1, seq, d]} to {@code [seq - start, d]}. */
    private static NDArray response(NDArray value, int start) {
        return value.get(new NDIndex("0, {}:", start));
    }

    private static NDArray responseMean(NDArray value, int start) {
        return response(value, start).mean(new int[] {0});
    }

    private static double norm(NDArray value) {
        return value.square().sum().sqrt().getFloat();
    }

    /**
     * The values that the scores read from one pass over a record, reduced to the response positions.
     *
     * @param lensLogProbs mean log-probability of the response tokens read through the logit lens
     *     from the embedding (index 0) and from each layer's residual (index {@code l + 1}), in nats
     * @param residualMeans per layer, the residual averaged over the response positions, {@code [hidden]}
     * @param activationMeans per layer, the MLP activations averaged over the response positions,
     *     {@code [intermediate]}
     */
    private record ResponseSummary(double[] lensLogProbs, NDArray[] residualMeans, NDArray[] activationMeans) {}

    /** Reduces {@code pass} over {@code ids} to its {@link ResponseSummary}, whose arrays {@code scope} owns. */
    private ResponseSummary summarize(NDManager scope, ForwardResult pass, NDArray ids, int start) {
        int layers = model.config().numLayers();
        double[] lensLogProbs = new double[layers + 1];
        NDArray[] residualMeans = new NDArray[layers];
        NDArray[] activationMeans = new NDArray[layers];
        lensLogProbs[0] = responseLogProb(scope, pass.capture(HookPoints.EMBED), ids, start);
        for (int l = 0; l < layers; l++) {
            NDArray residual = pass.capture(HookPoints.residPost(l));
            lensLogProbs[l + 1] = responseLogProb(scope, residual, ids, start);
            residualMeans[l] = responseMean(residual, start);
            residualMeans[l].attach(scope);
            activationMeans[l] = responseMean(pass.capture(HookPoints.mlpAct(l)), start);
            activationMeans[l].attach(scope);
        }
        return new ResponseSummary(lensLogProbs, residualMeans, activationMeans);
    }

    /**
     * Returns the mean log-probability of the response tokens, read from {@code residual}
     * {@code [1, seq, hidden]} through the lens at the positions that predict them. The
     * vocabulary-wide logits are freed before it returns.
     */
    private double responseLogProb(NDManager scope, NDArray residual, NDArray ids, int start) {
        long seq = ids.getShape().get(1);
        try (NDManager lens = scope.newSubManager()) {
            NDArray predicting = residual.get(new NDIndex(":, {}:{}", start - 1, seq - 1));
            predicting.attach(lens);
            NDArray logProbs = TokenLoss.predictedLogProbs(model.logitLens(lens, predicting), ids, start);
            logProbs.attach(lens);
            return logProbs.mean().getFloat();
        }
    }

    /** Weighted sum of the three layer scores, each divided by its maximum so they share one scale. */
    static double[] combine(LocateSettings settings, double[] hiddenDifference, double[] gradientScore,
            double[] marginIncrease) {
        double[] a = normalise(hiddenDifference);
        double[] b = normalise(gradientScore);
        double[] c = normalise(marginIncrease);
        double[] out = new double[a.length];
        for (int l = 0; l < out.length; l++) {
            out[l] = settings.hiddenDifferenceWeight() * a[l] + settings.gradientWeight() * b[l]
                    + settings.logitLensWeight() * c[l];
        }
        return out;
    }

    private static double[] normalise(double[] values) {
        double max = Arrays.stream(values).max().orElse(0);
        return Arrays.stream(values).map(v -> max > 0 ? v / max : 0).toArray();
    }

    /** Picks the best layers by {@code layerScore} and, in each, neurons by {@code settings}. */
    public static List<HotSpot> selectHotSpots(double[] layerScore, float[][] neuronScores, LocateSettings settings) {
        List<Integer> layers = IntStream.range(0, layerScore.length).boxed()
                .sorted(Comparator.comparingDouble((Integer l) -> -layerScore[l]).thenComparingInt(l -> l))
                .limit(settings.layerCount())
                .sorted()
                .toList();
        List<HotSpot> out = new ArrayList<>();
        for (int layer : layers) {
            out.add(new HotSpot(layer, HotSpots.selectNeurons(neuronScores[layer], settings)));
        }
        return out;
    }

    static String describe(List<HotSpot> hotSpots) {
        return hotSpots.stream().map(h -> "layer " + h.layer() + ": " + h.neurons().size() + " neurons").toList()
                .toString();
    }
}
