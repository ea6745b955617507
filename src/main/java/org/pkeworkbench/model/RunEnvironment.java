package org.pkeworkbench.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A description of where and when a result was computed: the time, this program's version, Java, the operating
 * system, the CPU, the thread counts, the heap limit and DJL. Edit reports and benchmark
 * records carry it, so that a number read months later, or on another machine, can be traced to the
 * machine and build that produced it, and a rerun can be compared like for like.
 */
public final class RunEnvironment {

    private RunEnvironment() {}

    /**
     * Returns the description as JSON-ready values, in a fixed key order: {@code timestamp}
     * (ISO-8601, UTC), {@code pke_workbench}, {@code java}, {@code os}, {@code cpu} (the model name,
     * else the vendor, else null), {@code cpu_cores} (as the JVM sees them), {@code libtorch_threads}
     * (libtorch's intra-op threads), {@code max_heap_bytes}, {@code djl} and {@code engine}. Callers
     * add {@link LibtorchProbe#summary()} where they record libtorch.
     *
     * <p>Starts libtorch when it has not started yet.
     */
    public static Map<String, Object> describe() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("timestamp", Instant.now().toString());
        String version = RunEnvironment.class.getPackage().getImplementationVersion();
        info.put("pke_workbench", version != null ? version : "development build (not from the jar)");
        info.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
        info.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        CpuInfo cpu = CpuInfo.current();
        info.put("cpu", cpu.modelName().or(cpu::vendor).orElse(null));
        info.put("cpu_cores", Runtime.getRuntime().availableProcessors());
        Engine engine = Engine.getEngine("PyTorch");
        info.put("libtorch_threads", JniUtils.getNumThreads());
        info.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        info.put("djl", Engine.getDjlVersion());
        info.put("engine", engine.getEngineName() + " " + engine.getVersion());
        return info;
    }
}
