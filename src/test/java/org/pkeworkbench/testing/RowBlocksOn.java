package org.pkeworkbench.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.pkeworkbench.model.RowBlockProduct;

/**
 * JUnit extension that turns row-block products on before each test and clears the property
 * afterwards. The split is off by default on Intel's CPUs, and tests of what it computes need it
 * on every CPU. A test may still set the property to another value; it is cleared after the test.
 *
 * <p>Use: {@code @ExtendWith({TwoLibtorchThreads.class, RowBlocksOn.class})} on the test class.
 */
public final class RowBlocksOn implements BeforeEachCallback, AfterEachCallback {

    @Override
    public void beforeEach(ExtensionContext context) {
        System.setProperty(RowBlockProduct.PROPERTY, "true");
    }

    @Override
    public void afterEach(ExtensionContext context) {
        System.clearProperty(RowBlockProduct.PROPERTY);
    }
}
