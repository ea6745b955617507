package org.pkeworkbench.testing;

import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.pkeworkbench.model.Autograd;

/**
 * JUnit extension that gives each test two libtorch intra-op threads and restores the count
 * afterwards. The tests run with OMP_NUM_THREADS=1 (see the pom), and code that splits work over
 * threads does not split with one thread.
 *
 * <p>Use: {@code @ExtendWith(TwoLibtorchThreads.class)} on the test class.
 */
public final class TwoLibtorchThreads implements BeforeEachCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(TwoLibtorchThreads.class);
    private static final String THREADS_BEFORE = "threadsBefore";

    @Override
    public void beforeEach(ExtensionContext context) {
        Autograd.disableOnThisThread();
        context.getStore(NAMESPACE).put(THREADS_BEFORE, JniUtils.getNumThreads());
        JniUtils.setNumThreads(2);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Integer before = context.getStore(NAMESPACE).remove(THREADS_BEFORE, Integer.class);
        if (before != null) {
            JniUtils.setNumThreads(before);
        }
    }
}
