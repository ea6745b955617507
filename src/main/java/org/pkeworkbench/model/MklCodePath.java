package org.pkeworkbench.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets Intel MKL's code path to automatic ({@code MKL_CBWR=AUTO}) on CPUs not made by Intel,
 * before libtorch's first matrix product.
 *
 * <p>libtorch's CPU build multiplies float32 matrices with MKL. On an AMD EPYC, MKL in its default
 * mode computed products with 2 input rows at half the speed that it reached with
 * {@code MKL_CBWR=AUTO}. With 128 rows (a prompt's prefill) the benchmark model's output head took
 * 68 to 75 ms instead of 57 to 59, and an edit step of that model 0.36 s instead of 0.24
 * (docs/benchmarks.md). In AUTO mode MKL picks its code path for the CPU and returns the same
 * results from run to run. The mode can only change before MKL's first computation in the process.
 * On an Intel Xeon, AUTO was no faster (128 rows: 33.5 against 30.8 ms), so Intel's CPUs keep
 * MKL's default.
 *
 * <p>libtorch does not export MKL's documented {@code mkl_cbwr_set}, so this calls
 * {@code mkl_serv_cbwr_set}, the function behind it, in the libtorch library that DJL loaded. Where
 * that function is missing (a libtorch without MKL, such as on ARM), nothing changes. The system
 * property {@value #PROPERTY} chooses: {@code auto} on every CPU, {@code off} never, unset on CPUs
 * that are not Intel's. An {@code MKL_CBWR} environment variable is left to MKL.
 */
public final class MklCodePath {

    private static final Logger LOG = LoggerFactory.getLogger(MklCodePath.class);

    /** Name of the system property: {@code auto}, {@code off}, or unset for automatic on CPUs not made by Intel. */
    public static final String PROPERTY = "pke.mkl.cbwr";

    /** {@code MKL_CBWR_BRANCH}: the argument with which {@code mkl_cbwr_get} returns the code path. */
    private static final int CBWR_BRANCH = 1;
    /** {@code MKL_CBWR_AUTO}. */
    private static final int CBWR_AUTO = 2;
    /** {@code MKL_CBWR_SUCCESS}. */
    private static final int CBWR_SUCCESS = 0;

    private static String outcome;

    private MklCodePath() {}

    /**
     * Sets the code path once per process, when the property and the CPU call for it, and returns
     * what happened, in words (also logged).
     */
    public static synchronized String apply() {
        if (outcome == null) {
            outcome = decideAndSet();
            LOG.info("MKL code path: {}", outcome);
        }
        return outcome;
    }

    private static String decideAndSet() {
        String property = System.getProperty(PROPERTY);
        Optional<String> vendor = CpuInfo.current().vendor();
        Decision decision = decide(property, System.getenv("MKL_CBWR"), vendor);
        String outcome = decision.setAuto() ? setAuto(vendor.orElse("this CPU")) : decision.reason();
        if (!isValid(property)) {
            LOG.warn("-D{}={} is invalid: use auto or off; the default for this CPU applies", PROPERTY, property);
            outcome += " (-D" + PROPERTY + "=" + property + " is invalid and was ignored)";
        }
        return outcome;
    }

    /** Returns true for an unset, empty, {@code auto} or {@code off} property value. */
    static boolean isValid(String property) {
        return property == null || normalized(property).matches("|auto|off");
    }

    private static String normalized(String property) {
        return property == null ? "" : property.trim().toLowerCase(Locale.ROOT);
    }

    /** The decision whether to set the automatic code path, with its reason in words. */
    record Decision(boolean setAuto, String reason) {}

    /**
     * Decides from the system property, the {@code MKL_CBWR} environment variable and the CPU's
     * vendor (empty when unknown). The property and the variable are {@code null} where unset, and
     * an invalid property value counts as unset.
     */
    static Decision decide(String property, String environment, Optional<String> vendor) {
        String setting = isValid(property) ? normalized(property) : "";
        if (environment != null) {
            return new Decision(false, "MKL_CBWR=" + environment + " from the environment, left to MKL");
        }
        if (setting.equals("off")) {
            return new Decision(false, "MKL's default, as -D" + PROPERTY + "=off asks");
        }
        if (setting.isEmpty() && vendor.map(name -> name.equals("GenuineIntel")).orElse(true)) {
            return new Decision(false, "MKL's default on " + vendor.orElse("a CPU of unknown make") + " (-D"
                    + PROPERTY + "=auto sets automatic)");
        }
        return new Decision(true, "automatic");
    }

    private static String setAuto(String vendor) {
        try {
            Engine.getEngine("PyTorch");
            Path library = Path.of(LibUtils.getLibtorchPath()).resolve(System.mapLibraryName("torch_cpu"));
            NativeLibrary libtorch = NativeLibrary.getInstance(library.toString());
            Function set = libtorch.getFunction("mkl_serv_cbwr_set");
            Function get = libtorch.getFunction("mkl_serv_cbwr_get");
            int result = set.invokeInt(new Object[] {CBWR_AUTO});
            int now = get.invokeInt(new Object[] {CBWR_BRANCH});
            if (result != CBWR_SUCCESS || now != CBWR_AUTO) {
                LOG.warn("mkl_serv_cbwr_set(AUTO) returned {} and the code path is {}; MKL had probably "
                        + "computed already", result, now);
                return "MKL's default: setting automatic failed (MKL had probably computed already)";
            }
            return "automatic (MKL_CBWR=AUTO) on " + vendor;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            // A libtorch without MKL (ARM builds) has no such function.
            LOG.info("MKL's code path not set: {}", e.toString());
            return "libtorch's default; the automatic MKL code path could not be set (" + e.getMessage() + ")";
        }
    }
}
