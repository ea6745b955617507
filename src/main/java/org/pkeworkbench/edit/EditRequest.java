package org.pkeworkbench.edit;

import java.nio.file.Path;
import java.util.List;
import org.pkeworkbench.locate.HotSpot;
import org.pkeworkbench.locate.LocateSettings;

/**
 * Everything an end-to-end edit run needs besides the model.
 *
 * @param editSet the edit records' file (SafeEdit JSON, AdvBench-style CSV or JSONL)
 * @param evalSet attack prompts for ASR before and after
 * @param benignSet benign prompts for ROUGE-L and over-refusal, or null for the built-in set
 * @param method {@code pke} or {@code dinm}
 * @param editSettings the edit's hyperparameters
 * @param locateSettings the locator's settings (PKE only)
 * @param hotSpots hot spots chosen by the user, or null to locate them
 * @param chat whether prompts go through the model's chat template
 * @param maxNewTokens generation length for responses and evaluation
 * @param localityCount how many built-in locality prompts enter the KL term
 * @param maxEditRecords use at most this many edit records (0 for all)
 * @param maxEvalPrompts use at most this many prompts of each evaluation set (0 for all)
 */
public record EditRequest(
        Path editSet,
        Path evalSet,
        Path benignSet,
        String method,
        EditSettings editSettings,
        LocateSettings locateSettings,
        List<HotSpot> hotSpots,
        boolean chat,
        int maxNewTokens,
        int localityCount,
        int maxEditRecords,
        int maxEvalPrompts) {

    public EditRequest {
        if (!method.equals("pke") && !method.equals("dinm")) {
            throw new IllegalArgumentException("Unknown edit method '" + method + "'; use pke or dinm");
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
        }
    }
}
