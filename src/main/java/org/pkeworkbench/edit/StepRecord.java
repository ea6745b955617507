package org.pkeworkbench.edit;

/**
 * The loss terms of one edit step, measured before that step's update.
 *
 * @param step one-based step number
 * @param loss the total weighted loss
 * @param safeNll mean NLL of the safe responses (nats per token)
 * @param unsafeProbability mean probability of the unsafe tokens from the first one that differs
 *     from the safe response, or NaN when not measured
 * @param kl the locality KL term (nats), or 0 without locality records
 */
public record StepRecord(int step, double loss, double safeNll, double unsafeProbability, double kl) {}
