package org.pkeworkbench.cli;

/**
 * System properties that keep DJL offline. Set before the first DJL class loads; a value given
 * on the command line with {@code -D} wins.
 */
public final class DjlDefaults {

    private DjlDefaults() {}

    public static void apply() {
        // libtorch comes from the pytorch-native-cpu jar on the class path; never download it.
        setIfAbsent("ai.djl.offline", "true");
        // Without offline mode DJL contacts the cloud instance-metadata address once to count engine
        // use; opting out keeps that off even when a user sets ai.djl.offline=false.
        setIfAbsent("OPT_OUT_TRACKING", "true");
        // DJL's "graph executor optimizer" recompiles on new shapes; eager mode suits varying prompt lengths.
        setIfAbsent("ai.djl.pytorch.graph_optimizer", "false");
        // One inter-op thread: the core runs one operation at a time, and extra pools compete with
        // the intra-op threads on small machines. Intra-op threads stay at libtorch's default (cores).
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
