package org.pkeworkbench.edit;

/**
 * An edit whose loss or weight change stopped being a finite number, usually because the learning
 * rate is far too high. The edit is dropped: nothing is applied to the model, so the results
 * after it are never measured on a broken model, where empty responses would count as refusals.
 */
public final class EditDivergedException extends IllegalArgumentException {

    EditDivergedException(String message) {
        super(message);
    }
}
