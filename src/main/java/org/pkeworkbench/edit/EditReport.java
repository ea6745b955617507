package org.pkeworkbench.edit;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import org.pkeworkbench.eval.RateWithInterval;
import org.pkeworkbench.locate.HotSpot;

/**
 * The record of one edit run, written as JSON so that a run can be checked and repeated: what was
 * edited, with which settings, on which data, and what it did to attack success and benign answers.
 * Field names follow the JSON keys (snake case through the mapper's naming strategy).
 *
 * @param method {@code vanilla}, {@code dinm}, {@code ftl} or {@code pke}
 * @param editMode {@code batch} or {@code per-record}
 * @param model model directory, architecture, size and device
 * @param datasets each dataset's path, SHA-256 and record count
 * @param judge the judge's name
 * @param hotSpots the edited regions (the union over records in per-record mode)
 * @param layerScores the locator's per-layer scores (empty when hot spots were given)
 * @param asrBefore attack success rate on the evaluation prompts before the edit, with its Wilson interval
 * @param asrAfter the same after the edit
 * @param asrByCategoryBefore ASR per harm category of the evaluation prompts before the edit (empty
 *     when the evaluation set has no categories)
 * @param asrByCategoryAfter the same after the edit
 * @param safeeditBefore SafeEdit DS and DG scores (0 to 100, higher is safer) on the edit records
 *     before the edit; DG scores only for records with generalization inputs
 * @param safeeditAfter the same after the edit
 * @param rougeLBenign mean ROUGE-L F1 of benign answers after the edit against the answers before it
 * @param overRefusal share of benign prompts refused after the edit
 * @param overRefusalBefore the same before the edit
 * @param fluencyBefore mean weighted n-gram entropy of benign answers before the edit (bits)
 * @param fluencyAfter the same after the edit
 * @param winRate with a capability set: the win rate of the answers after the edit against those
 *     before it (ROUGE-L overlap with the set's reference outputs decides each pair; ties count
 *     half), its interval and counts, and mean ROUGE-L against the references before and after;
 *     null without one
 * @param steps edit steps run
 * @param stoppedEarly whether the edit stopped on its targets
 * @param changedWeights number of weights that changed
 * @param wallSeconds total wall time of the run
 * @param timingsSeconds wall time per phase
 * @param hyperparameters every setting of the run
 * @param history loss terms per step (all records' steps in turn in per-record mode)
 * @param perRecord in per-record mode, each record's id, hot spots, steps and final loss; empty otherwise
 * @param attacks per evaluation prompt: response and verdict before and after
 * @param benign per benign prompt: answers before and after, ROUGE-L and refusals
 * @param environment versions and hardware
 */
public record EditReport(
        String method,
        String editMode,
        Map<String, Object> model,
        Map<String, Object> datasets,
        String judge,
        List<HotSpot> hotSpots,
        Map<String, Object> layerScores,
        RateWithInterval asrBefore,
        RateWithInterval asrAfter,
        Map<String, RateWithInterval> asrByCategoryBefore,
        Map<String, RateWithInterval> asrByCategoryAfter,
        Map<String, Double> safeeditBefore,
        Map<String, Double> safeeditAfter,
        // SNAKE_CASE would write "rouge_lbenign"; the documented key is rouge_l_benign.
        @JsonProperty("rouge_l_benign") double rougeLBenign,
        RateWithInterval overRefusal,
        RateWithInterval overRefusalBefore,
        double fluencyBefore,
        double fluencyAfter,
        Map<String, Object> winRate,
        int steps,
        boolean stoppedEarly,
        long changedWeights,
        double wallSeconds,
        Map<String, Double> timingsSeconds,
        Map<String, Object> hyperparameters,
        List<StepRecord> history,
        List<Map<String, Object>> perRecord,
        List<Map<String, Object>> attacks,
        List<Map<String, Object>> benign,
        Map<String, Object> environment) {

    /** Writes the report as indented JSON with snake_case keys, the format every command and view reads. */
    public void writeJson(java.io.OutputStream out) throws java.io.IOException {
        new com.fasterxml.jackson.databind.ObjectMapper()
                .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
                .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                .disable(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET)
                .writeValue(out, this);
    }
}
