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
 * @param method {@code pke}, {@code dinm}, {@code ftl} (fine-tuning of the located layer) or
 *     {@code vanilla} (no edit: evaluate the model as it is, so that before equals after)
 * @param editSettings the edit's hyperparameters
 * @param locateSettings the locator's settings (PKE only)
 * @param hotSpots hot spots chosen by the user, or null to locate them
 * @param chat whether prompts go through the model's chat template
 * @param maxNewTokens generation length for responses and evaluation
 * @param localityCount how many built-in locality prompts enter the KL term
 * @param maxEditRecords use at most this many edit records (0 for all)
 * @param maxEvalPrompts use at most this many prompts of each evaluation set (0 for all)
 * @param editMode one edit from all records, or one per record applied in turn
 * @param batchSize prompts generated together in one left-padded batch during evaluation (1 or more)
 * @param capabilitySet an AlpacaEval-style JSON of instructions with reference outputs, for the win
 *     rate of the edited model's answers against the unedited model's and ROUGE-L against the
 *     references; null to skip
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
        int maxEvalPrompts,
        EditMode editMode,
        int batchSize,
        Path capabilitySet) {

    /** The edit methods a request accepts. */
    public static final List<String> METHODS = List.of("vanilla", "dinm", "ftl", "pke");

    public EditRequest {
        if (!METHODS.contains(method)) {
            throw new IllegalArgumentException("Unknown edit method '" + method + "'; use one of " + METHODS);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
        }
    }

    /** A batch-mode request that generates one prompt at a time. */
    public EditRequest(Path editSet, Path evalSet, Path benignSet, String method, EditSettings editSettings,
            LocateSettings locateSettings, List<HotSpot> hotSpots, boolean chat, int maxNewTokens, int localityCount,
            int maxEditRecords, int maxEvalPrompts) {
        this(editSet, evalSet, benignSet, method, editSettings, locateSettings, hotSpots, chat, maxNewTokens,
                localityCount, maxEditRecords, maxEvalPrompts, EditMode.BATCH, 1, null);
    }

    /** Returns whether this request changes weights (every method but {@code vanilla}). */
    public boolean edits() {
        return !method.equals("vanilla");
    }
}
