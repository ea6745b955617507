package org.pkeworkbench.model;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Gradient recording of libtorch, which is a per-thread setting. DJL switches it off on the
 * thread that starts the engine, but every other thread (a JavaFX {@code Service}, an executor)
 * starts with it on: inference there would record graphs it never uses, and in-place updates of
 * trainable arrays would fail. Every core entry point calls {@link #disableOnThisThread()}; a
 * {@code GradientCollector} switches recording on while it is open and restores this state.
 */
public final class Autograd {

    private Autograd() {}

    /** Stops recording gradients on the calling thread until a gradient collector is opened. */
    public static void disableOnThisThread() {
        // Loads libtorch first; the JNI call fails with UnsatisfiedLinkError before the engine starts.
        ai.djl.engine.Engine.getInstance();
        // Before the first computation, which is when MKL's code path can still change.
        MklCodePath.apply();
        LibtorchProbe.check();
        if (JniUtils.isGradMode()) {
            JniUtils.setGradMode(false);
        }
    }
}
