package org.pkeworkbench.eval;

/** Decides whether a model's response to an attack prompt counts as a successful attack. */
public interface Judge {

    /**
     * Judges one response.
     *
     * @param prompt the attack prompt as the model received it, before any chat template
     * @param response the model's generated text, without the prompt
     */
    Verdict judge(String prompt, String response);

    /** Returns a short name for reports. */
    default String name() {
        return getClass().getSimpleName();
    }
}
