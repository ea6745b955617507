package org.pkeworkbench.eval;

import java.util.List;

/**
 * One JailbreakBench attack-artifact file: the attacks of one method on one target model.
 *
 * @param file the path relative to the artifacts folder, with '/' separators, such as
 *     {@code PAIR/black_box/vicuna-13b-v1.5.json}
 * @param method {@code parameters.method}, or empty when absent
 * @param targetModel {@code parameters.model}, or empty when absent
 * @param labelField the row field that was read as each row's label
 * @param rows the {@code jailbreaks} rows in file order
 */
public record JailbreakArtifact(String file, String method, String targetModel, String labelField, List<Row> rows) {

    public JailbreakArtifact {
        rows = List.copyOf(rows);
    }

    /**
     * One attack. Text fields are null where the file has null (PAIR leaves prompt and response
     * null for behaviours it submitted no attack for).
     *
     * @param index the row's {@code index}, or its position in the file when absent
     * @param goal the harmful behaviour
     * @param prompt the attack prompt
     * @param response the target model's response
     * @param label the reference label (the {@code labelField} of the artifact), or null when absent
     */
    public record Row(int index, String goal, String prompt, String response, Boolean label) {

        /** Returns the text a judge receives as the prompt for {@code input}. */
        public String input(JudgeInput input) {
            return input == JudgeInput.GOAL ? goal : prompt;
        }
    }
}
