package org.pkeworkbench.model.tokenizer;

/**
 * A chat template that could not be rendered: either the template called {@code raise_exception(message)}
 * (usually because the conversation breaks the model's rules, such as roles that do not alternate), or it
 * has a syntax error or uses a feature that the Java renderer does not support.
 */
public class ChatTemplateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean raisedByTemplate;

    ChatTemplateException(String message, boolean raisedByTemplate, Throwable cause) {
        super(message, cause);
        this.raisedByTemplate = raisedByTemplate;
    }

    /**
     * Whether the template itself called {@code raise_exception}; then {@link #getMessage()} is exactly the
     * template's message.
     */
    public boolean raisedByTemplate() {
        return raisedByTemplate;
    }
}
