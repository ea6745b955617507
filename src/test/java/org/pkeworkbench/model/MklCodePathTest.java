package org.pkeworkbench.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link MklCodePath}: when the automatic code path is set. */
class MklCodePathTest {

    private static final Optional<String> AMD = Optional.of("AuthenticAMD");
    private static final Optional<String> INTEL = Optional.of("GenuineIntel");

    @Test
    void defaultSkipsIntelCpus() {
        assertTrue(MklCodePath.decide(null, null, AMD).setAuto());
        assertFalse(MklCodePath.decide(null, null, INTEL).setAuto());
        assertFalse(MklCodePath.decide("", null, Optional.empty()).setAuto(), "unknown make: MKL's default");
    }

    @Test
    void propertyAndEnvironmentDecideFirst() {
        assertTrue(MklCodePath.decide("auto", null, INTEL).setAuto());
        assertTrue(MklCodePath.decide(" AUTO ", null, Optional.empty()).setAuto());
        assertFalse(MklCodePath.decide("off", null, AMD).setAuto());

        MklCodePath.Decision environment = MklCodePath.decide("auto", "AVX2", AMD);
        assertFalse(environment.setAuto());
        assertTrue(environment.reason().contains("MKL_CBWR=AVX2"), environment.reason());

        assertTrue(MklCodePath.decide("fast", null, AMD).setAuto(), "an invalid value counts as unset");
        assertFalse(MklCodePath.decide("fast", null, INTEL).setAuto(), "an invalid value counts as unset");
        assertFalse(MklCodePath.isValid("fast"));
        assertTrue(MklCodePath.isValid(" Off "));
    }

    @Test
    void appliesOncePerProcess() {
        assertSame(MklCodePath.apply(), MklCodePath.apply());
    }
}
