package org.pkeworkbench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pkeworkbench.edit.DeltaFile;
import org.pkeworkbench.edit.EditReport;
import org.pkeworkbench.edit.EditRequest;
import org.pkeworkbench.edit.EditSettings;
import org.pkeworkbench.edit.MethodComparison;
import org.pkeworkbench.eval.report.HtmlReport;
import org.pkeworkbench.eval.report.ReportComparison;
import org.pkeworkbench.eval.report.ReportReader;
import org.pkeworkbench.locate.LocateSettings;
import org.pkeworkbench.locate.LocateSettings.NeuronSelection;
import org.pkeworkbench.model.LanguageModel;
import org.pkeworkbench.model.ModelConfig;
import org.pkeworkbench.model.io.DirectoryTrees;
import org.pkeworkbench.model.io.ShutdownDeletion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code compare-methods}: vanilla, DINM, FT-L and PKE (or a chosen subset) on the same model and
 * data in one run, each method's report in its own folder and a side-by-side comparison.
 */
@Command(name = "compare-methods", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run several edit methods (default: vanilla, dinm, ftl, pke) one after another on the same model, "
                + "edit set and evaluation sets, reverting each edit before the next, and write every method's report "
                + "plus a comparison table into a new directory.")
final class CompareMethodsCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(CompareMethodsCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--out", converter = PathOptions.OutputPath.class,
            required = true, description = "New directory for the reports; must not exist.")
    Path out;

    @Option(names = "--methods", split = ",", defaultValue = "vanilla,dinm,ftl,pke", description = "Methods in run "
            + "order (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--settings", converter = PathOptions.ExistingFile.class,
            description = "JSON file with per-method overrides of the edit settings, keyed by "
            + "method, with the key names of a report's hyperparameters.edit block, and an optional \"locate\" block, "
            + "e.g. {\"pke\": {\"steps\": 20}, \"locate\": {\"layerCount\": 1}}.")
    Path settingsFile;

    @Option(names = "--save-deltas", description = "Also write each edit's delta file (delta.safetensors).")
    boolean saveDeltas;

    @Mixin
    EditRunOptions run = new EditRunOptions();

    @Mixin
    AsrJudgeOptions judgeOptions = new AsrJudgeOptions();

    @Override
    public Integer call() throws Exception {
        if (methods.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--methods names no method; give a comma-separated list "
                    + "of " + EditRequest.METHODS);
        }
        for (String method : methods) {
            if (!EditRequest.METHODS.contains(method)) {
                throw new ParameterException(spec.commandLine(), "Unknown method '" + method + "' in --methods; use "
                        + EditRequest.METHODS);
            }
        }
        if (methods.stream().distinct().count() != methods.size()) {
            throw new ParameterException(spec.commandLine(), "--methods lists a method twice: " + methods);
        }
        if (Files.exists(out)) {
            throw new ParameterException(spec.commandLine(), "--out " + out + " already exists; choose a new directory");
        }
        JsonOutput.checkNewModelDirectory("--out", out, run.model);
        run.check(spec);
        judgeOptions.check(spec);
        ModelConfig config = ModelConfig.load(run.model);
        SettingsOverrides overrides = SettingsOverrides.read(settingsFile, methods, config.modelType());
        overrides.checkFits(settingsFile, config);

        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path staging = Files.createTempDirectory(parent, "." + out.getFileName() + ".partial-");
        // Ctrl-C skips the catch below, so a shutdown hook deletes the partial output instead.
        try (ShutdownDeletion guard = ShutdownDeletion.of(staging);
                LanguageModel lm = LanguageModel.load(run.model, run.devices.resolve(), run.devices.dtype());
                AsrJudgeOptions.OpenJudge asrJudge = judgeOptions.open(run.devices.request())) {
            boolean useChat = run.chat != null ? run.chat : lm.hasChatTemplate();
            EditRequest template = run.request(spec, "vanilla", EditSettings.pkeDefaults(), overrides.locate(),
                    useChat);
            List<EditReport> reports = new MethodComparison(lm, asrJudge.judge).run(template, methods, overrides.edit(),
                    (method, result) -> guard.write(() -> {
                        Path dir = Files.createDirectories(staging.resolve(method));
                        try (OutputStream stream = Files.newOutputStream(dir.resolve("report.json"))) {
                            result.report().writeJson(stream);
                        }
                        Files.writeString(dir.resolve("report.html"),
                                HtmlReport.render(ReportReader.toTree(result.report())), StandardCharsets.UTF_8);
                        if (saveDeltas && result.delta() != null) {
                            DeltaFile.save(result.delta(), lm.decoder(), dir.resolve("delta.safetensors"));
                        }
                    }),
                    new ProgressLog());
            ReportComparison comparison = ReportComparison.of(
                    methods.stream().map(method -> method + "/report.json").toList(),
                    reports.stream().map(ReportReader::toTree).toList(), methods);
            guard.write(() -> {
                Files.writeString(staging.resolve("comparison.md"), comparison.toMarkdown(), StandardCharsets.UTF_8);
                Files.writeString(staging.resolve("comparison.csv"), comparison.toCsv(), StandardCharsets.UTF_8);
                Files.writeString(staging.resolve("comparison.html"), comparison.toHtml(), StandardCharsets.UTF_8);
                Files.writeString(staging.resolve("comparison.json"), JsonOutput.MAPPER.writeValueAsString(
                        comparison.toJson()), StandardCharsets.UTF_8);
                Files.move(staging, out, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            });
            spec.commandLine().getOut().print(comparison.toMarkdown());
            spec.commandLine().getOut().println("Reports written to " + out);
        } catch (Exception | Error e) {
            // Errors too (a class missing from a jar replaced mid-run): never leave the staging folder.
            LOG.error("compare-methods failed; removing the partial output {}", staging, e);
            DirectoryTrees.deleteOrWarn(staging, "partial output");
            throw e;
        }
        return 0;
    }

    /** Per-method settings from the {@code --settings} file laid over each method's defaults. */
    record SettingsOverrides(Map<String, EditSettings> edit, LocateSettings locate) {

        /** Rejects locate settings that ask for more layers or neurons than the model has, naming {@code file}. */
        void checkFits(Path file, ModelConfig config) {
            if (locate.layerCount() > config.numLayers()) {
                throw new IllegalArgumentException(file + ": \"locate\" layerCount " + locate.layerCount()
                        + " is more than the model's " + config.numLayers() + " layers");
            }
            if (locate.selection() == NeuronSelection.COUNT && locate.selectionValue() > config.intermediateSize()) {
                throw new IllegalArgumentException(file + ": \"locate\" selectionValue "
                        + (long) locate.selectionValue() + " neurons is more than the model's "
                        + config.intermediateSize() + " MLP neurons per layer");
            }
        }

        static SettingsOverrides read(Path file, List<String> methods, String modelType) throws IOException {
            ObjectMapper mapper = new ObjectMapper();
            JsonNode root = file == null ? mapper.createObjectNode() : readObject(mapper, file);
            Map<String, EditSettings> edit = new LinkedHashMap<>();
            List<String> known = new ArrayList<>(EditRequest.METHODS);
            known.add("locate");
            for (var names = root.fieldNames(); names.hasNext(); ) {
                String key = names.next();
                if (!known.contains(key)) {
                    throw new IllegalArgumentException(file + ": unknown key '" + key + "'; use a method name "
                            + EditRequest.METHODS + " or \"locate\"");
                }
                if (key.equals("vanilla")) {
                    throw new IllegalArgumentException(file + ": \"vanilla\" has no settings because it trains "
                            + "nothing; remove the key");
                }
                if (!key.equals("locate") && !methods.contains(key)) {
                    throw new IllegalArgumentException(file + ": settings for \"" + key + "\", which --methods "
                            + methods + " does not run; add the method or remove the key");
                }
            }
            for (String method : methods) {
                if (method.equals("vanilla")) {
                    continue;
                }
                edit.put(method, overlay(mapper, EditSettings.defaultsFor(method, modelType), root.get(method), EditSettings.class,
                        file, method));
            }
            LocateSettings locate = overlay(mapper, LocateSettings.DEFAULT, root.get("locate"), LocateSettings.class,
                    file, "locate");
            return new SettingsOverrides(edit, locate);
        }

        private static JsonNode readObject(ObjectMapper mapper, Path file) throws IOException {
            JsonNode root;
            try {
                root = mapper.readTree(file.toFile());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
            }
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException(file + " must hold a JSON object keyed by method name");
            }
            return root;
        }

        private static <T> T overlay(ObjectMapper mapper, T defaults, JsonNode changes, Class<T> type, Path file,
                String key) {
            if (changes == null) {
                return defaults;
            }
            if (!changes.isObject()) {
                throw new IllegalArgumentException(file + ": \"" + key + "\" must be a JSON object of settings");
            }
            ObjectNode merged = mapper.valueToTree(defaults);
            for (var fields = changes.fields(); fields.hasNext(); ) {
                var field = fields.next();
                if (field.getKey().equals("method")) {
                    throw new IllegalArgumentException(file + ": \"" + key + "\" sets \"method\"; the method is "
                            + "the key itself, so remove that setting");
                }
                if (!merged.has(field.getKey())) {
                    List<String> names = new ArrayList<>();
                    merged.fieldNames().forEachRemaining(names::add);
                    throw new IllegalArgumentException(file + ": \"" + key + "\" has no setting '" + field.getKey()
                            + "'; known settings: " + names);
                }
                merged.set(field.getKey(), field.getValue());
            }
            try {
                return mapper.treeToValue(merged, type);
            } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
                String setting = e.getPath().isEmpty() ? "?" : e.getPath().get(e.getPath().size() - 1).getFieldName();
                throw new IllegalArgumentException(file + ": \"" + key + "\" setting '" + setting + "' has the "
                        + "wrong type; expected " + e.getTargetType().getSimpleName() + ", as its default "
                        + mapper.valueToTree(defaults).get(setting) + " is", e);
            } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new IllegalArgumentException(file + ": invalid \"" + key + "\" settings: " + cause.getMessage(),
                        e);
            }
        }
    }
}
