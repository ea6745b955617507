package org.pkeworkbench.edit;

/**
 * One edit record as token ids: the adversarial prompt (chat template applied, BOS included) and
 * the safe and unsafe responses that follow it.
 *
 * @param prompt prompt ids, at least one
 * @param safe safe response ids, at least one
 * @param unsafe unsafe response ids, at least one
 */
public record EditExample(long[] prompt, long[] safe, long[] unsafe) {

    public EditExample {
        if (prompt.length == 0 || safe.length == 0 || unsafe.length == 0) {
            throw new IllegalArgumentException("Edit examples need a non-empty prompt, safe and unsafe response (got "
                    + prompt.length + ", " + safe.length + ", " + unsafe.length + " tokens)");
        }
    }

    /** Prompt followed by the safe response. */
    public long[] promptAndSafe() {
        return concat(prompt, safe);
    }

    /** Prompt followed by the unsafe response. */
    public long[] promptAndUnsafe() {
        return concat(prompt, unsafe);
    }

    /** Number of leading tokens that the safe and unsafe responses share. */
    public int sharedResponsePrefix() {
        int shared = 0;
        while (shared < safe.length && shared < unsafe.length && safe[shared] == unsafe[shared]) {
            shared++;
        }
        return shared;
    }

    static long[] concat(long[] first, long[] second) {
        long[] out = new long[first.length + second.length];
        System.arraycopy(first, 0, out, 0, first.length);
        System.arraycopy(second, 0, out, first.length, second.length);
        return out;
    }
}
