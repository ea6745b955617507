package org.pkeworkbench.app;

/** Purpose of a prompt set opened in the workbench. */
public enum DatasetRole {

    /** Records (adversarial prompt, safe and unsafe response) that drive locate and edit. */
    EDIT("edit set"),

    /** Attack and benign prompts used to measure ASR, over-refusal and ROUGE-L before and after an edit. */
    EVALUATION("eval set");

    private final String displayName;

    DatasetRole(String displayName) {
        this.displayName = displayName;
    }

    /** Lower-case name for labels and messages, for example "edit set". */
    public String displayName() {
        return displayName;
    }
}
