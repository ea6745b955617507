package org.pkeworkbench.trace;

import org.pkeworkbench.model.DecoderModel;

/** Input checks shared by the analyses. */
final class TokenChecks {

    private TokenChecks() {}

    /** Rejects token ids outside the model's vocabulary, naming {@code what} holds them. */
    static void checkIds(DecoderModel model, long[] ids, String what) {
        int vocab = model.config().vocabSize();
        for (long id : ids) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("Token id " + id + " in the " + what + " is out of range; the model's "
                        + "vocabulary has " + vocab + " ids (0 to " + (vocab - 1) + ")");
            }
        }
    }
}
