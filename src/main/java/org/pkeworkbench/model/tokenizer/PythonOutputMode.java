package org.pkeworkbench.model.tokenizer;

import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.expression.ExpressionStrategy;
import com.hubspot.jinjava.mode.ExecutionMode;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;

/**
 * Jinjava's default execution mode, except that {@code {{ ... }}} prints a boolean as Python's
 * {@code True}/{@code False} (Jinjava prints {@code true}/{@code false}). Output is never HTML-escaped and
 * never rendered again as a template.
 */
final class PythonOutputMode implements ExecutionMode {

    @Override
    public void prepareContext(Context context) {
        context.setExpressionStrategy(new PythonOutputStrategy());
    }

    private static final class PythonOutputStrategy implements ExpressionStrategy {

        private static final long serialVersionUID = 1L;

        @Override
        public RenderedOutputNode interpretOutput(ExpressionToken token, JinjavaInterpreter interpreter) {
            Object value = interpreter.resolveELExpression(token.getExpr(), token.getLineNumber());
            if (value instanceof Boolean flag) {
                return new RenderedOutputNode(flag ? "True" : "False");
            }
            return new RenderedOutputNode(interpreter.getAsString(value));
        }
    }
}
