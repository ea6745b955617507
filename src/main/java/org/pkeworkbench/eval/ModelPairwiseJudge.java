package org.pkeworkbench.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.pkeworkbench.model.Autograd;
import org.pkeworkbench.model.DecoderModel;
import org.pkeworkbench.model.ForwardOptions;
import org.pkeworkbench.model.LanguageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pairwise judge that asks a language model which response is better and reads its answer from
 * the next-token distribution, without sampling.
 *
 * <p>The judge prompt ends where the model's next token is the letter of the better response. The
 * mass of a letter is the probability that the model continues with {@code "A"} or {@code " A"}
 * (for B alike), each scored as its whole token sequence under teacher forcing. Where a tokenizer
 * has a single token for the letter, as Llama and GPT-2 tokenizers do, this is the next-token
 * probability of that token; tokenizers without one (such as the demo model's) spell it with more
 * tokens. The probability that the first response is better is {@code m_A / (m_A + m_B)}. Models
 * favor one position, so each pair is shown in both orders and {@code P(A better) = (p_A(A first)
 * + p_B(A second)) / 2}. The label is A above 0.5, B below and TIE at exactly 0.5.
 *
 * <p>Responses are cut to a token budget so that the prompt fits the judge's context ({@code
 * max_position_embeddings}); {@link #truncatedResponses()} counts the cuts.
 */
public final class ModelPairwiseJudge implements PairwiseJudge {

    private static final Logger LOG = LoggerFactory.getLogger(ModelPairwiseJudge.class);

    private static final String INSTRUCTION_MARK = "\u0000instruction\u0000";
    private static final String FIRST_MARK = "\u0000first\u0000";
    private static final String SECOND_MARK = "\u0000second\u0000";

    /** The comparison request; the marks are replaced by the instruction and the two responses. */
    private static final String TEMPLATE = """
            Two assistants answered the same instruction. Decide which response follows the \
            instruction better: it should be correct, helpful and on topic. Length alone is no merit, \
            and the order of the responses must not matter.

            ### Instruction
            %s

            ### Response A
            %s

            ### Response B
            %s

            ### Verdict
            Reply with one letter: A if Response A is better, B if Response B is better."""
            .formatted(INSTRUCTION_MARK, FIRST_MARK, SECOND_MARK);

    /** Positions of the judge's context kept free when sizing the responses. */
    private static final int CONTEXT_MARGIN_TOKENS = 8;

    /** Appended after the request without a chat template, so that the next token is the letter. */
    private static final String PLAIN_ANSWER_PREFIX = "\n\nThe better response is";

    private final LanguageModel judge;
    private final boolean chat;
    private final List<long[]> letterASequences;
    private final List<long[]> letterBSequences;
    private final AtomicInteger truncatedResponses = new AtomicInteger();

    /**
     * Creates a judge on {@code judge}, which stays owned by the caller.
     *
     * @param chat render the request as a user message with the judge's chat template
     * @throws IllegalArgumentException when the tokenizer encodes A and B alike, or {@code chat} is
     *     set and the judge has no chat template
     */
    public ModelPairwiseJudge(LanguageModel judge, boolean chat) {
        if (chat && !judge.hasChatTemplate()) {
            throw new IllegalArgumentException("The judge model in " + judge.decoder().directory()
                    + " has no chat template; use it without chat formatting");
        }
        this.judge = judge;
        this.chat = chat;

        this.letterASequences = letterSequences("A");
        this.letterBSequences = letterSequences("B");
        for (long[] a : letterASequences) {
            for (long[] b : letterBSequences) {
                if (Arrays.equals(a, b)) {
                    throw new IllegalArgumentException("The tokenizer of the judge model in "
                            + judge.decoder().directory() + " encodes the letters A and B as the same tokens "
                            + Arrays.toString(a) + "; choose another judge model");
                }
            }
        }
        LOG.info("Pairwise judge {} ready: letter A tokens {}, letter B tokens {}, chat {}",
                judge.decoder().directory(), describe(letterASequences), describe(letterBSequences), chat);
    }

    @Override
    public String name() {
        return "model:" + judge.decoder().directory().getFileName();
    }

    /**
     * Compares the two responses in both presentation orders.
     *
     * @throws IllegalArgumentException when the instruction alone leaves no room for the responses
     *     in the judge's context
     */
    @Override
    public Preference compare(String instruction, String responseA, String responseB) {
        Autograd.disableOnThisThread();
        int budget = responseTokenBudget(instruction);
        String a = truncate(responseA, budget);
        String b = truncate(responseB, budget);

        double aShownFirst = probabilityOfFirst(instruction, a, b);
        double aShownSecond = 1.0 - probabilityOfFirst(instruction, b, a);
        double probabilityA = (aShownFirst + aShownSecond) / 2.0;
        LOG.debug("Judge P(A) {} with A first, {} with A second", aShownFirst, aShownSecond);
        return Preference.fromProbability(probabilityA, 0.0);
    }

    /** Returns how many responses were cut to fit the judge's context so far. */
    public int truncatedResponses() {
        return truncatedResponses.get();
    }

    /** Returns the judge prompt text for one presentation order, before tokenization. */
    String promptText(String instruction, String first, String second) {
        String request = TEMPLATE
                .replace(INSTRUCTION_MARK, instruction.strip())
                .replace(FIRST_MARK, first.strip())
                .replace(SECOND_MARK, second.strip());
        return chat ? request : request + PLAIN_ANSWER_PREFIX;
    }

    /** Computes the probability that the response shown first is better, from the letter probabilities. */
    private double probabilityOfFirst(String instruction, String first, String second) {
        long[] prompt = judge.promptIds(promptText(instruction, first, second), chat);
        List<long[]> continuations = new ArrayList<>(letterASequences);
        continuations.addAll(letterBSequences);
        double[] probabilities = continuationProbabilities(prompt, continuations);

        double massFirst = 0.0;
        double massSecond = 0.0;
        for (int i = 0; i < probabilities.length; i++) {
            if (i < letterASequences.size()) {
                massFirst += probabilities[i];
            } else {
                massSecond += probabilities[i];
            }
        }
        if (massFirst + massSecond <= 0.0) {
            // Both letters underflowed to zero probability, so the judge expresses no preference.
            return 0.5;
        }
        return massFirst / (massFirst + massSecond);
    }

    /**
     * Returns the probability of each continuation after {@code prompt}, from one forward pass over a
     * batch {@code [continuations, prompt + longest continuation]}. Rows are padded on the right
     * with their own last token; under causal attention padding after a position cannot change it.
     */
    private double[] continuationProbabilities(long[] prompt, List<long[]> continuations) {
        int longest = continuations.stream().mapToInt(c -> c.length).max().orElse(0);
        int width = prompt.length + longest;
        long[] batch = new long[continuations.size() * width];
        for (int row = 0; row < continuations.size(); row++) {
            long[] continuation = continuations.get(row);
            System.arraycopy(prompt, 0, batch, row * width, prompt.length);
            System.arraycopy(continuation, 0, batch, row * width + prompt.length, continuation.length);
            Arrays.fill(batch, row * width + prompt.length + continuation.length, (row + 1) * width,
                    continuation[continuation.length - 1]);
        }

        DecoderModel decoder = judge.decoder();
        double[] probabilities = new double[continuations.size()];
        try (NDManager scope = decoder.manager().newSubManager()) {
            NDArray input = scope.create(batch).reshape(continuations.size(), width);
            NDArray logits = decoder.forward(scope, input, ForwardOptions.create()).logits();
            // [rows, longest, vocab]: the distributions that predict each continuation token.
            NDArray predicting = logits.get(new NDIndex(":, {}:{}", prompt.length - 1, width - 1));
            float[] logProbs = predicting.toType(DataType.FLOAT32, false).logSoftmax(-1).toFloatArray();
            int vocab = (int) logits.getShape().get(2);
            for (int row = 0; row < continuations.size(); row++) {
                long[] continuation = continuations.get(row);
                double logProbability = 0.0;
                for (int j = 0; j < continuation.length; j++) {
                    logProbability += logProbs[(row * longest + j) * vocab + (int) continuation[j]];
                }
                probabilities[row] = Math.exp(logProbability);
            }
        }
        return probabilities;
    }

    /**
     * Returns the tokens each response may use: the context left by the prompt with empty responses,
     * split evenly between the two.
     */
    private int responseTokenBudget(String instruction) {
        int context = judge.decoder().config().maxPositions();
        int overhead = judge.promptIds(promptText(instruction, "", ""), chat).length;
        // The margin absorbs the few tokens by which joining the texts can tokenize differently.
        int budget = (context - overhead - CONTEXT_MARGIN_TOKENS) / 2;
        if (budget < 1) {
            throw new IllegalArgumentException("The judge prompt for this instruction takes " + overhead
                    + " of the judge model's " + context + " positions, leaving no room for the responses;"
                    + " use a judge model with a longer context or a shorter instruction");
        }
        return budget;
    }

    private String truncate(String response, int maxTokens) {
        long[] ids = judge.responseIds(response.strip());
        if (ids.length <= maxTokens) {
            return response;
        }
        truncatedResponses.incrementAndGet();
        LOG.debug("Cut a response of {} tokens to {} to fit the judge's context", ids.length, maxTokens);
        return judge.tokenizer().decode(Arrays.copyOf(ids, maxTokens), true);
    }

    /** Encodes {@code letter} and {@code " " + letter} without BOS and returns the distinct sequences. */
    private List<long[]> letterSequences(String letter) {
        List<long[]> sequences = new ArrayList<>();
        for (String text : List.of(letter, " " + letter)) {
            long[] encoded = judge.responseIds(text);
            boolean seen = sequences.stream().anyMatch(existing -> Arrays.equals(existing, encoded));
            if (encoded.length > 0 && !seen) {
                sequences.add(encoded);
            }
        }
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("The tokenizer of the judge model in " + judge.decoder().directory()
                    + " encodes the letter " + letter + " as no tokens; choose another judge model");
        }
        return sequences;
    }

    private static String describe(List<long[]> sequences) {
        return sequences.stream().map(Arrays::toString).toList().toString();
    }
}
