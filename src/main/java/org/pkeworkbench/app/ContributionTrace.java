package org.pkeworkbench.app;

import java.util.List;
import java.util.Objects;
import org.pkeworkbench.trace.ContributionGraph;

/**
 * A contribution graph with the decoded text of each prompt token, as the Contributions tab shows it.
 *
 * @param graph the information-flow graph of the prompt
 * @param tokenTexts decoded tokens, one per position of {@code graph}
 */
public record ContributionTrace(ContributionGraph graph, List<String> tokenTexts) {

    public ContributionTrace {
        Objects.requireNonNull(graph, "graph");
        tokenTexts = List.copyOf(tokenTexts);
        if (tokenTexts.size() != graph.sequenceLength()) {
            throw new IllegalArgumentException("Got " + tokenTexts.size() + " token texts for a graph of "
                    + graph.sequenceLength() + " positions; give one text per position");
        }
    }
}
