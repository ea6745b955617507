package org.pkeworkbench.edit;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.EnumSet;
import java.util.Set;

/**
 * Hyperparameters of a masked edit. The loss is
 * {@code safeWeight * NLL(safe | prompt) + unlikelihoodWeight * UL(unsafe | prompt)
 * + klWeight * (KL over answer positions + firstPositionKlWeight * KL at the end of the prompt)
 * + normWeight * |dW|^2}, where {@code UL = -mean log(1 - p(token))} over the unsafe tokens from
 * the first one that differs from the safe response, and KL is {@code KL(P_original || P_edited)}
 * on locality records.
 *
 * @param method a label recorded in reports ({@code pke}, {@code dinm})
 * @param learningRate Adam learning rate
 * @param steps maximum number of Adam steps
 * @param safeWeight weight of the safe response's NLL
 * @param unlikelihoodWeight weight of the unsafe response's unlikelihood
 * @param klWeight weight of the locality KL term
 * @param firstPositionKlWeight extra weight of the KL at the first answer position, where the
 *     refuse-or-comply decision is made
 * @param klHasGradient false reproduces the published DINM code, whose KL term has no gradient
 * @param normWeight weight of the squared Frobenius norm of the weight change
 * @param matrices which matrices a hot spot trains
 * @param safeNllTarget stop early when the mean safe NLL falls to this (nats per token); 0 disables
 * @param unsafeProbabilityTarget stop early when, in addition, the mean unsafe token probability
 *     falls to this; 0 disables early stopping
 * @param maxChange if positive, each weight's change is clipped to {@code [-maxChange, maxChange]}
 * @param seed seed recorded for reproducibility (the edit itself is deterministic)
 * @param fullRecomputation false (the default) computes the hidden states entering the first
 *     edited layer once per edit and runs each step from that layer on. True runs the whole model
 *     in every step. Both compute the same losses and weights, so true serves only to time the
 *     difference.
 */
public record EditSettings(
        String method,
        double learningRate,
        int steps,
        double safeWeight,
        double unlikelihoodWeight,
        double klWeight,
        double firstPositionKlWeight,
        boolean klHasGradient,
        double normWeight,
        Set<TrainedMatrix> matrices,
        double safeNllTarget,
        double unsafeProbabilityTarget,
        double maxChange,
        long seed,
        boolean fullRecomputation) {

    @JsonCreator
    public EditSettings {
        if (learningRate <= 0 || Double.isNaN(learningRate)) {
            throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        if (matrices.isEmpty()) {
            throw new IllegalArgumentException("At least one matrix must train (down, gate or up)");
        }
        matrices = Set.copyOf(matrices);
    }

    /** Creates settings whose steps run from the first edited layer on (no full recomputation). */
    public EditSettings(String method, double learningRate, int steps, double safeWeight, double unlikelihoodWeight,
            double klWeight, double firstPositionKlWeight, boolean klHasGradient, double normWeight,
            Set<TrainedMatrix> matrices, double safeNllTarget, double unsafeProbabilityTarget, double maxChange,
            long seed) {
        this(method, learningRate, steps, safeWeight, unlikelihoodWeight, klWeight, firstPositionKlWeight,
                klHasGradient, normWeight, matrices, safeNllTarget, unsafeProbabilityTarget, maxChange, seed, false);
    }

    /**
     * PKE defaults: down-projection columns of the hot-spot neurons, a strong KL with gradient that
     * weighs the first answer position, and a light unlikelihood term.
     */
    public static EditSettings pkeDefaults() {
        return new EditSettings("pke", 5e-3, 40, 1.0, 0.1, 2.0, 4.0, true, 0.0,
                EnumSet.of(TrainedMatrix.DOWN), 0.0, 0.0, 0.0, 42L);
    }

    /**
     * DINM as published in EasyEdit (10 Adam steps at lr 5e-4, loss {@code 0.1 * NLL(safe) + KL})
     * over a whole down projection, with the KL term's gradient switched on: the corrected variant.
     */
    public static EditSettings dinmDefaults() {
        return new EditSettings("dinm", 5e-4, 10, 0.1, 0.0, 1.0, 0.0, true, 0.0,
                EnumSet.of(TrainedMatrix.DOWN), 0.0, 0.0, 0.0, 42L);
    }

    /**
     * FT-L as a baseline: plain fine-tuning of the whole MLP of the single located layer on the safe
     * response's NLL (lr 5e-4, 25 steps, as EasyEdit's FT-L). It has no locality or unlikelihood
     * term, and no bound on the change unless one is set. It trains every neuron of the layer in
     * {@code down_proj}, {@code gate_proj} and {@code up_proj}.
     */
    public static EditSettings ftlDefaults() {
        return new EditSettings("ftl", 5e-4, 25, 1.0, 0.0, 0.0, 0.0, true, 0.0,
                EnumSet.allOf(TrainedMatrix.class), 0.0, 0.0, 0.0, 42L);
    }

    /**
     * Returns the defaults of an edit method.
     *
     * @param method {@code pke}, {@code dinm} or {@code ftl}
     * @throws IllegalArgumentException for any other name
     */
    public static EditSettings defaultsFor(String method) {
        return switch (method) {
            case "pke" -> pkeDefaults();
            case "dinm" -> dinmDefaults();
            case "ftl" -> ftlDefaults();
            default -> throw new IllegalArgumentException("No edit settings for method '" + method
                    + "'; use pke, dinm or ftl");
        };
    }

    /**
     * Returns the defaults of an edit method for a model type: as {@link #defaultsFor(String)},
     * except that DINM on Mistral uses the published learning rate for Mistral, 1e-5.
     *
     * @param modelType {@code model_type} from the model's config.json
     */
    public static EditSettings defaultsFor(String method, String modelType) {
        EditSettings defaults = defaultsFor(method);
        if (method.equals("dinm") && "mistral".equals(modelType)) {
            return defaults.withLearningRate(1e-5);
        }
        return defaults;
    }

    public EditSettings withSteps(int newSteps) {
        return new EditSettings(method, learningRate, newSteps, safeWeight, unlikelihoodWeight, klWeight,
                firstPositionKlWeight, klHasGradient, normWeight, matrices, safeNllTarget, unsafeProbabilityTarget,
                maxChange, seed, fullRecomputation);
    }

    public EditSettings withLearningRate(double newLearningRate) {
        return new EditSettings(method, newLearningRate, steps, safeWeight, unlikelihoodWeight, klWeight,
                firstPositionKlWeight, klHasGradient, normWeight, matrices, safeNllTarget, unsafeProbabilityTarget,
                maxChange, seed, fullRecomputation);
    }

    /** Returns these settings with each step running the whole model ({@code true}) or from the first edited layer on. */
    public EditSettings withFullRecomputation(boolean full) {
        return new EditSettings(method, learningRate, steps, safeWeight, unlikelihoodWeight, klWeight,
                firstPositionKlWeight, klHasGradient, normWeight, matrices, safeNllTarget, unsafeProbabilityTarget,
                maxChange, seed, full);
    }

    /** The MLP matrices whose hot-spot slices can train. */
    public enum TrainedMatrix {
        /** Columns of {@code down_proj} (rows of GPT-2's {@code c_proj}). */
        DOWN,
        /** Rows of {@code gate_proj} (Llama family only). */
        GATE,
        /** Rows of {@code up_proj} (columns of GPT-2's {@code c_fc}). */
        UP
    }
}
