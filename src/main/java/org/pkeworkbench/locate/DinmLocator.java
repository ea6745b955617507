package org.pkeworkbench.locate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.pkeworkbench.edit.EditExample;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.ForwardResult;
import org.pkeworkbench.model.HookPoints;
import org.pkeworkbench.model.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DINM's locator (Wang et al., ACL 2024): run the safe and the unsafe response, without the
 * prompt, through the model and take the layer whose hidden states differ most (L2 distance over
 * the flattened sequence, truncated to the shorter response). Unlike the published code, which
 * reuses the first record's layer for all records, each record votes and the most frequent layer
 * wins (ties go to the larger summed distance).
 */
public final class DinmLocator {

    private static final Logger LOG = LoggerFactory.getLogger(DinmLocator.class);

    private final DecoderModel model;

    public DinmLocator(DecoderModel model) {
        this.model = model;
    }

    /** Returns the toxic layer as a hot spot that covers every neuron of its down projection. */
    public HotSpot locate(List<EditExample> examples, long[] bos, ProgressListener progress) {
        Autograd.disableOnThisThread();
        int layers = model.config().numLayers();
        int[] votes = new int[layers];
        double[] distanceSum = new double[layers];
        for (int r = 0; r < examples.size(); r++) {
            progress.checkCancelled();
            progress.update((double) r / examples.size(), "DINM locate: record " + (r + 1) + " of " + examples.size());
            double[] distances = distances(examples.get(r), bos);
            int best = 0;
            for (int l = 0; l < layers; l++) {
                distanceSum[l] += distances[l];
                if (distances[l] > distances[best]) {
                    best = l;
                }
            }
            votes[best]++;
        }
        int chosen = 0;
        for (int l = 1; l < layers; l++) {
            if (votes[l] > votes[chosen] || (votes[l] == votes[chosen] && distanceSum[l] > distanceSum[chosen])) {
                chosen = l;
            }
        }
        LOG.info("DINM located layer {} ({} of {} records voted for it)", chosen, votes[chosen], examples.size());
        List<Integer> all = IntStream.range(0, model.config().intermediateSize()).boxed().toList();
        return new HotSpot(chosen, new ArrayList<>(all));
    }

    /** Per layer, L2 distance between the safe and unsafe responses' hidden states. */
    private double[] distances(EditExample example, long[] bos) {
        int layers = model.config().numLayers();
        int length = Math.min(example.safe().length, example.unsafe().length);
        double[] out = new double[layers];
        try (NDManager scope = model.manager().newSubManager()) {
            ForwardResult safe = run(scope, bos, example.safe());
            ForwardResult unsafe = run(scope, bos, example.unsafe());
            int offset = bos.length;
            for (int l = 0; l < layers; l++) {
                NDIndex rows = new NDIndex("0, {}:{}", offset, offset + length);
                NDArray difference = safe.capture(HookPoints.residPost(l)).get(rows)
                        .sub(unsafe.capture(HookPoints.residPost(l)).get(rows));
                out[l] = difference.square().sum().sqrt().getFloat();
            }
        }
        return out;
    }

    private ForwardResult run(NDManager scope, long[] bos, long[] response) {
        long[] ids = new long[bos.length + response.length];
        System.arraycopy(bos, 0, ids, 0, bos.length);
        System.arraycopy(response, 0, ids, bos.length, response.length);
        ForwardOptions options = ForwardOptions.create().withoutLogits();
        for (int l = 0; l < model.config().numLayers(); l++) {
            options.capture(HookPoints.residPost(l));
        }
        return model.forward(scope, scope.create(ids).reshape(1, ids.length), options);
    }
}
