package dev.vigil.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.config.VigilConfig;
import dev.vigil.ingest.ContextSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.score.SourceId;
import dev.vigil.testsupport.Await;
import dev.vigil.testsupport.KafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two Vigil instances ({@code vigil run} in child JVMs, same application id, own state directories
 * and HTTP ports) share a two-partition input from an empty cluster. After each promotion (the
 * cold-start v1, then a retraining by count) both score with the new version: every score record
 * of both input partitions names it, and both instances' {@code vigil_model_version} shows it.
 * Exactly one instance holds the training window ({@code vigil_training_window_size_records > 0});
 * it is killed with SIGKILL, and the other takes the window over from its changelog, intact (at
 * least as many records as before the kill), and publishes the next version after more traffic. With
 * and without context: with it, records pass the repartition topic and the per-host store, and the
 * window holds (and the models train on) context-enriched records.
 */
@ExtendWith(KafkaBroker.class)
class TwoInstancesIT {

    private static final Logger LOG = LoggerFactory.getLogger(TwoInstancesIT.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int CHUNK = 250;
    private static final int RETRAIN_RECORDS = 1_000;
    private static final Pattern SWAP = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d+) .*Now scoring with model v(\\d+)");

    @TempDir
    Path dir;

    private final List<Instance> instances = new ArrayList<>();

    /** One {@code vigil run} child process and its HTTP port. */
    private record Instance(String name, Process process, int port, Path log) {
        long version() {
            return Rig.modelVersion(port);
        }

        long window() {
            return Rig.trainableWindowSize(port);
        }

        /** Candidates this instance's gate rejected; 0 before its first training run. */
        double rejected() {
            double n = Rig.metric(port, "vigil_training_runs_total{result=\"rejected\"}");
            return Double.isNaN(n) ? 0 : n;
        }
    }

    @ParameterizedTest(name = "context {0}")
    @ValueSource(booleans = {false, true})
    void shouldScoreWithTheSameVersionOnBothInstancesAndMoveTrainingWithItsWindowWhenTheTrainerDies(boolean context) throws Exception {
        try {
            run(context ? Rig.SPEC.withContext(ContextSettings.defaults()) : Rig.SPEC);
        } catch (Exception | AssertionError e) {
            for (Instance i : instances) {
                List<String> lines = Files.readAllLines(i.log());
                LOG.warn("Last lines of instance {}'s log:\n{}", i.name(),
                        String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
            }
            throw e;
        } finally {
            for (Instance i : instances) {
                i.process().destroyForcibly();
                i.process().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private void run(FeatureSpec spec) throws Exception {
        Rig rig = new Rig("two-instances", 2, Map.of(
                // The classic group protocol: a killed member is noticed after its session timeout.
                "kafka.session.timeout.ms", "2000",
                "kafka.heartbeat.interval.ms", "500",
                "kafka.commit.interval.ms", "200",
                VigilConfig.TRAIN_RETRAIN_RECORDS, Integer.toString(RETRAIN_RECORDS)), spec);
        TrafficGenerator traffic = new TrafficGenerator(Rig.traffic(61, 0));
        // One after the other: the first creates the topics.
        Instance a = start(rig, "a");
        Await.until("instance a serving metrics", TIMEOUT, () -> !Double.isNaN(Rig.metric(a.port(), "vigil_model_version")));
        Instance b = start(rig, "b");
        try (Admin admin = KafkaBroker.admin()) {
            Await.until("both instances in the group", TIMEOUT, () -> {
                ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(rig.name)).all().get().get(rig.name);
                return g.groupState() == GroupState.STABLE && g.members().size() == 2;
            }, stable -> stable);
        }

        try (Rig.Scores scores = rig.new Scores()) {
            List<SourceId> all = new ArrayList<>();
            // Cold start: v1 once the window holds vigil.train.min.records.
            all.addAll(trafficUntil(rig, traffic, scores, List.of(a, b), 1, Rig.MIN_RECORDS));
            all.addAll(assertBothScoreWith(rig, traffic, scores, List.of(a, b), 1));
            // A retraining by count: v2 once 1,000 more records entered the window than it held when v1's
            // training started. That start is one window tick (1 s) after the window passed 1,500, so traffic
            // may have taken it well past; the window now is an upper bound of it.
            long afterV1 = Math.max(a.window(), b.window());
            all.addAll(trafficUntil(rig, traffic, scores, List.of(a, b), 2, afterV1 + RETRAIN_RECORDS));
            all.addAll(assertBothScoreWith(rig, traffic, scores, List.of(a, b), 2));

            rig.awaitTrainingTopicConsumed(Duration.ofSeconds(30));
            long admitted = Rig.admitted(scores.await(all, TIMEOUT).values(), 0.01); // vigil.train.admit.min.pvalue's default
            Await.until("one instance holding the whole window", TIMEOUT,
                    () -> (a.window() == admitted && b.window() == 0) || (b.window() == admitted && a.window() == 0));
            Instance trainer = a.window() > 0 ? a : b;
            Instance survivor = trainer == a ? b : a;
            LOG.info("instance {} holds the window of {} records; killing it", trainer.name(), admitted);

            long killed = System.nanoTime();
            trainer.process().destroyForcibly(); // SIGKILL: no shutdown, no final commit
            assertThat(trainer.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
            Await.until("instance " + survivor.name() + " to restore the window", TIMEOUT, () -> survivor.window() >= admitted);
            LOG.info("instance {} holds the window ({} records) {} ms after the kill", survivor.name(), survivor.window(),
                    (System.nanoTime() - killed) / 1_000_000);

            // The gate may reject a candidate (a worse held-out -ELBO than the current model's): a legitimate outcome,
            // seen once in CI. The window then trains again after RETRAIN_RECORDS more, so v3 may take a second try.
            for (int attempt = 1; survivor.version() < 3; attempt++) {
                assertThat(attempt).as("tries to publish v3 (each rejection is logged)").isLessThanOrEqualTo(3);
                double rejected = survivor.rejected();
                sendUntilWindow(rig, traffic, scores, List.of(survivor), survivor.window() + RETRAIN_RECORDS);
                Await.until("v3 on " + survivor.name() + ", or a rejected candidate", TIMEOUT,
                        () -> survivor.version() == 3 || survivor.rejected() > rejected);
                if (survivor.version() < 3) {
                    LOG.warn("instance {} rejected a candidate for v3 (try {}); sending more traffic", survivor.name(), attempt);
                }
            }
            assertBothScoreWith(rig, traffic, scores, List.of(survivor), 3);
            assertThat(rig.registry().newestVersion()).as("the newest version on the models topic").isEqualTo(3);
        }
        logSwapDelays(rig);
    }

    /**
     * Measured, not asserted: for each version, from its append to the models topic (the record's
     * timestamp, the publishing punctuator's wall clock) to each instance's "Now scoring with model
     * vN" log line. Same machine, same clock; the log shows only the time of day.
     */
    private void logSwapDelays(Rig rig) throws IOException {
        Map<Long, Long> published = new TreeMap<>();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers());
        try (KafkaConsumer<Long, byte[]> consumer = new KafkaConsumer<>(p, new LongDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(rig.models, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> published.putIfAbsent(r.key(), r.timestamp()));
            }
        }
        for (Instance i : instances) {
            for (String line : Files.readAllLines(i.log())) {
                Matcher m = SWAP.matcher(line);
                if (m.find() && published.containsKey(Long.parseLong(m.group(2)))) {
                    long version = Long.parseLong(m.group(2));
                    LocalTime appended = Instant.ofEpochMilli(published.get(version)).atZone(ZoneId.systemDefault()).toLocalTime();
                    LOG.info("v{}: instance {} scores with it {} ms after it was appended to the models topic", version,
                            i.name(), Duration.between(appended, LocalTime.parse(m.group(1))).toMillis());
                }
            }
        }
    }

    /**
     * Sends traffic in chunks, each scored and taken in by the window task before the next, until the
     * window holds {@code windowTarget} records (enough for the training that publishes {@code
     * version}); then waits until every instance scores with {@code version}.
     */
    private static List<SourceId> trafficUntil(Rig rig, TrafficGenerator traffic, Rig.Scores scores, List<Instance> instances,
                                               long version, long windowTarget) {
        List<SourceId> sent = sendUntilWindow(rig, traffic, scores, instances, windowTarget);
        Await.until("v" + version + " on every instance", TIMEOUT, () -> instances.stream().allMatch(i -> i.version() == version));
        return sent;
    }

    /** Sends traffic in chunks, each scored before the next, until an instance's window holds {@code windowTarget} records. */
    private static List<SourceId> sendUntilWindow(Rig rig, TrafficGenerator traffic, Rig.Scores scores, List<Instance> instances,
                                                  long windowTarget) {
        List<SourceId> sent = new ArrayList<>();
        while (instances.stream().mapToLong(Instance::window).max().orElse(0) < windowTarget) {
            Map<SourceId, GeneratedRecord> chunk = rig.send(traffic.next(CHUNK));
            scores.await(chunk.keySet(), TIMEOUT);
            sent.addAll(chunk.keySet());
            // The gauge lags by up to a second (the window task's tick): at worst one chunk more is sent.
            rig.awaitTrainingTopicConsumed(Duration.ofSeconds(30));
        }
        return sent;
    }

    /** Sends more traffic and asserts that every record, on both input partitions, was scored with {@code version}. */
    private static List<SourceId> assertBothScoreWith(Rig rig, TrafficGenerator traffic, Rig.Scores scores, List<Instance> instances,
                                                      long version) {
        Map<SourceId, GeneratedRecord> sent = rig.send(traffic.next(400));
        Map<SourceId, JsonNode> scored = scores.await(sent.keySet(), TIMEOUT);
        assertThat(scored.values()).extracting(s -> s.get("partition").asInt()).as("both input partitions").contains(0, 1);
        assertThat(scored.values()).as("score records after v%d was everywhere", version)
                .allSatisfy(s -> assertThat(s.path("model_version").asLong()).isEqualTo(version));
        assertThat(instances).allSatisfy(i -> assertThat(i.version()).as("vigil_model_version of %s", i.name()).isEqualTo(version));
        return new ArrayList<>(sent.keySet());
    }

    private Instance start(Rig rig, String name) throws IOException {
        int port = Rig.freePort();
        Path config = rig.configFile(dir.resolve(name), dir.resolve(name).resolve("state"), port);
        Path log = dir.resolve(name + ".log");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "dev.vigil.cli.VigilCommand", "run", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Instance instance = new Instance(name, process, port, log);
        instances.add(instance);
        return instance;
    }
}
