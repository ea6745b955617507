package org.pkeworkbench.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.pkeworkbench.model.io.ModelFingerprint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the model of a session being opened: the saved directory when it still contains the same
 * model, else a directory the user chooses, checked against the saved {@link ModelFingerprint}.
 */
final class SessionModelResolver {

    private static final Logger LOG = LoggerFactory.getLogger(SessionModelResolver.class);

    private SessionModelResolver() {}

    /**
     * Returns the directory to load the session's model from.
     *
     * @param warnings receives a note when the model was found in a new directory
     * @throws IOException when the user cancels the prompt or chooses a directory with another model;
     *     the message names the saved and the chosen directory
     */
    static Path resolveDirectory(Path project, SessionFile.ModelEntry saved, ModelDirectoryPrompt prompt,
            List<String> warnings) throws Exception {
        Path savedDirectory = Path.of(saved.path());
        String problem = problemWith(savedDirectory, saved.fingerprint());
        if (problem == null) {
            return savedDirectory;
        }
        LOG.warn("Session {}: {}; asking for the model's new directory", project, problem);
        Path chosen = prompt.chooseModelDirectory(project, savedDirectory, problem);
        if (chosen == null) {
            throw new IOException("Session " + project + " was not opened: " + problem + ", and no other directory "
                    + "was chosen. Open the session again and choose the directory that now holds model '"
                    + saved.name() + "'");
        }
        String chosenProblem = problemWith(chosen, saved.fingerprint());
        if (chosenProblem != null) {
            throw new IOException("Session " + project + " was not opened: the chosen directory " + chosen
                    + " is not the session's model '" + saved.name() + "' (" + chosenProblem + "). Open the session "
                    + "again and choose the directory that holds the model saved at " + savedDirectory);
        }
        LOG.info("Session {}: model found in {} instead of {}", project, chosen, savedDirectory);
        warnings.add("The model was opened from " + chosen + " instead of " + savedDirectory
                + "; save the session to keep the new path");
        return chosen;
    }

    /** Returns why {@code directory} is not the saved model, or null when it is. */
    static String problemWith(Path directory, ModelFingerprint expected) {
        if (!Files.isDirectory(directory)) {
            return "the model directory " + directory + " does not exist";
        }
        ModelFingerprint actual;
        try {
            actual = ModelFingerprint.of(directory);
        } catch (IOException error) {
            LOG.warn("Fingerprinting {} failed", directory, error);
            return error.getMessage();
        }
        if (expected == null || !expected.method().equals(actual.method())) {
            // NOTE: a session without a fingerprint of this build's method cannot be checked; the model loads as is.
            LOG.warn("Session fingerprint method {} is not {}; the model in {} is not checked",
                    expected == null ? null : expected.method(), actual.method(), directory);
            return null;
        }
        if (!expected.value().equals(actual.value())) {
            return "the files in " + directory + " differ from the model the session was saved with (fingerprint "
                    + shortHex(actual.value()) + ", saved " + shortHex(expected.value()) + ")";
        }
        return null;
    }

    private static String shortHex(String hex) {
        return hex.length() > 12 ? hex.substring(0, 12) + "…" : hex;
    }
}
