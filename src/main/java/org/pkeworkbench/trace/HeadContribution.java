package org.pkeworkbench.trace;

/**
 * One attention head's share of an attention node, normalised together with the residual and the
 * other heads of that node.
 *
 * @param head the query head index
 * @param weight the normalised contribution, in [0, 1]
 */
public record HeadContribution(int head, double weight) {}
