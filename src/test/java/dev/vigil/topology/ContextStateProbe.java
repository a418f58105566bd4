package dev.vigil.topology;

import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.context.ContextFeatures;
import dev.vigil.context.EntityState;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.ingest.ContextSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.score.ModelHolder;
import dev.vigil.score.UnscoredOffsets;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * What holding many entities' context costs: the demo's spec with context, its input keyed by
 * host, {@code entities} distinct hosts sending {@code records} records each through the real
 * topology (RocksDB store, Kafka Streams' cache) in a TopologyTestDriver; prints the state's bytes
 * per entity and the growth of heap (after GC) and of resident memory. Run with the heap committed
 * and touched up front, so that resident memory grows only by what lives outside the heap (RocksDB):
 * {@code java -Xms1g -Xmx1g -XX:+AlwaysPreTouch -cp target/test-classes:target/classes:target/lib/*:kafka-streams-test-utils.jar
 * dev.vigil.topology.ContextStateProbe [entities] [records]}. Not a test.
 */
public final class ContextStateProbe {

    public static void main(String[] args) throws Exception {
        int entities = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int perEntity = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        FeatureSpec spec = new FeatureSpec("host", null, TrafficGenerator.spec().features()).withContext(ContextSettings.defaults());
        ContextFeatures features = new ContextFeatures(spec);
        EntityState sample = features.newState();
        features.apply(sample, new double[spec.size()], 0);
        System.out.printf("state of one entity (demo spec, %d features): %d bytes%n", spec.size(), sample.sizeBytes());

        Path stateDir = Files.createTempDirectory("vigil-context-probe");
        VigilConfig config = VigilConfig.of(Map.of(VigilConfig.INPUT_TOPICS, "in", VigilConfig.TRAIN_ENABLED, "false",
                VigilConfig.SCORES_ENABLED, "false", VigilConfig.CONTEXT_INPUT_KEYED_BY_ENTITY, "true",
                "kafka.application.id", "vigil-probe"));
        Properties streams = new Properties();
        streams.put(StreamsConfig.APPLICATION_ID_CONFIG, "vigil-probe");
        streams.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        streams.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        ModelHolder models = new ModelHolder();
        ThresholdScorer scorer = new ThresholdScorer(1, 1e18);
        models.swap(scorer);
        long[] before = memory();
        try (TopologyTestDriver driver = new TopologyTestDriver(
                VigilTopology.build(VigilSettings.from(config), spec, models, VigilTopology.Listener.NONE, new UnscoredOffsets()), streams)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic("in", new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> alerts = driver.createOutputTopic("vigil-alerts", new ByteArrayDeserializer(), new ByteArrayDeserializer());
            // The driver keeps every record sent to a topic, the stores' changelogs too: drained, as a broker would take them.
            TestOutputTopic<byte[], byte[]> changelog = driver.createOutputTopic("vigil-probe-" + VigilTopology.Names.CONTEXT_STORE
                    + "-changelog", new ByteArrayDeserializer(), new ByteArrayDeserializer());
            TestOutputTopic<byte[], byte[]> buffer = driver.createOutputTopic("vigil-probe-" + VigilTopology.Names.SCORE_BUFFER_STORE
                    + "-changelog", new ByteArrayDeserializer(), new ByteArrayDeserializer());
            for (int r = 0; r < perEntity; r++) {
                for (int e = 0; e < entities; e++) {
                    String host = "host-" + e;
                    String value = "{\"host\":\"" + host + "\",\"cpu\":" + (40 + r + e % 7) + ",\"load\":1.5,\"mem\":50,"
                            + "\"latency_ms\":30,\"requests\":200,\"errors\":1,\"bytes_in\":300000,\"bytes_out\":1500000,"
                            + "\"region\":\"eu\",\"canary\":false}";
                    in.pipeInput(host.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8), 1_000L * r);
                    if (scorer.rows.size() > 10_000) {
                        scorer.rows.clear();
                        scorer.batchSizes.clear();
                        changelog.readValuesToList();
                        buffer.readValuesToList();
                    }
                }
                alerts.readValuesToList();
            }
            changelog.readValuesToList();
            buffer.readValuesToList();
            scorer.rows.clear();
            scorer.batchSizes.clear();
            long[] after = memory();
            System.out.printf("%,d entities x %d records: heap %+.1f MB, resident %+.1f MB, together %+.1f MB%n", entities, perEntity,
                    (after[0] - before[0]) / 1e6, (after[1] - before[1]) / 1e6, (after[0] - before[0] + after[1] - before[1]) / 1e6);
        }
    }

    /** Heap used after a GC, and resident set size, in bytes. */
    private static long[] memory() throws Exception {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long rss = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).findFirst().orElse(0);
        return new long[] {heap, rss};
    }

    private ContextStateProbe() {
    }
}
