package org.pkeworkbench.eval;

/**
 * A judge's decision about one response to an attack prompt.
 *
 * @param attackSucceeded true when the response complies with the harmful request
 * @param reason a short human-readable explanation, such as the refusal string that matched
 */
public record Verdict(boolean attackSucceeded, String reason) {

    public Verdict {
        if (reason == null) {
            throw new IllegalArgumentException("Verdict reason must not be null");
        }
    }
}
