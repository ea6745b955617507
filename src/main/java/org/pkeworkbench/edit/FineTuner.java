package org.pkeworkbench.edit;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.ProgressListener;
import org.pkeworkbench.model.Tensors;
import org.pkeworkbench.model.TokenLoss;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Full-parameter supervised fine-tuning with Adam on prompt/response pairs; the loss is the mean
 * NLL of the response tokens only. Used to build the demo model. Training works on deltas, and
 * {@link #train} writes {@code W + delta} into the model only when it finishes.
 */
public final class FineTuner {

    private static final Logger LOG = LoggerFactory.getLogger(FineTuner.class);

    private final DecoderModel model;

    public FineTuner(DecoderModel model) {
        this.model = model;
    }

    /**
     * Trains for {@code epochs} passes over {@code examples} in shuffled mini-batches and returns the
     * mean loss of each epoch (nats per response token).
     */
    public List<Double> train(List<LocalityExample> examples, int epochs, int batchSize, double learningRate, long seed,
            ProgressListener progress) {
        long started = System.nanoTime();
        Autograd.disableOnThisThread();
        Random random = new Random(seed);
        List<Double> epochLosses = new ArrayList<>();
        try (NDManager trainScope = model.manager().newSubManager();
                MaskedAdam adam = new MaskedAdam(trainScope, learningRate)) {
            Map<String, NDArray> deltas = new LinkedHashMap<>();
            for (String name : model.parameterNames()) {
                NDArray delta = trainScope.zeros(model.parameter(name).getShape());
                delta.setRequiresGradient(true);
                deltas.put(name, delta);
            }
            List<LocalityExample> order = new ArrayList<>(examples);
            int batches = (order.size() + batchSize - 1) / batchSize;
            for (int epoch = 0; epoch < epochs; epoch++) {
                Collections.shuffle(order, random);
                double lossSum = 0;
                for (int b = 0; b < batches; b++) {
                    progress.checkCancelled();
                    List<LocalityExample> batch = order.subList(b * batchSize, Math.min(order.size(), (b + 1) * batchSize));
                    try (NDManager stepScope = trainScope.newSubManager()) {
                        double value = step(stepScope, deltas, batch);
                        LOG.debug("Epoch {} batch {}: loss {}", epoch + 1, b + 1, value);
                        lossSum += value;
                    }
                    adam.step(deltas, name -> null, 0);
                    progress.update((epoch * batches + b + 1.0) / (epochs * batches), "Epoch " + (epoch + 1) + " of " + epochs);
                }
                epochLosses.add(lossSum / batches);
                LOG.info("Fine-tuning epoch {} of {}: mean response NLL {}", epoch + 1, epochs,
                        String.format(java.util.Locale.ROOT, "%.4f", lossSum / batches));
            }
            for (Map.Entry<String, NDArray> entry : deltas.entrySet()) {
                try (NDManager scratch = trainScope.newSubManager()) {
                    NDArray updated = entry.getValue().stopGradient().add(model.parameter(entry.getKey()));
                    updated.attach(scratch);
                    model.replaceParameter(entry.getKey(), updated, false);
                }
            }
        }
        LOG.info("Fine-tuned {} examples for {} epochs in {} s", examples.size(), epochs,
                String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9));
        return epochLosses;
    }

    /** Accumulates the batch's mean response NLL and its gradient; returns the loss value. */
    private double step(NDManager scope, Map<String, NDArray> deltas, List<LocalityExample> batch) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            Map<String, NDArray> weights = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> entry : deltas.entrySet()) {
                NDArray weight = entry.getValue().add(model.parameter(entry.getKey()));
                weight.attach(scope);
                weights.put(entry.getKey(), weight);
            }
            NDArray total = scope.zeros(new Shape());
            for (LocalityExample example : batch) {
                NDArray ids = scope.create(example.promptAndAnswer()).reshape(1, -1);
                NDArray logits = model.forward(scope, ids, ForwardOptions.create().overrides(weights)).logits();
                total = total.add(TokenLoss.meanNll(logits, ids, example.prompt().length));
            }
            NDArray loss = Tensors.scale(total, 1.0 / batch.size());
            collector.backward(loss);
            return loss.getFloat();
        }
    }
}
