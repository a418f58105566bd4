package dev.vigil.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.config.VigilConfig;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.it.Pipeline.Output;
import dev.vigil.score.SourceId;
import dev.vigil.testsupport.Await;
import dev.vigil.testsupport.KafkaBroker;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a crash costs with Vigil's defaults and {@code vigil.instance.id} set: {@code vigil run} in a
 * child JVM scores steady traffic, is killed with SIGKILL and restarted on the same state directory
 * and id. The restart must score a record it had not scored before soon after its process starts
 * (static membership: it takes its partitions back without waiting for the dead member's session
 * to time out), and it must repeat no more than one commit interval of traffic can hold: none under
 * {@code exactly_once_v2} (read with {@code read_committed}, alerts included), at most a few seconds
 * of the offered rate under {@code at_least_once}. And on SIGTERM the member leaves the group.
 */
@ExtendWith(KafkaBroker.class)
class StaticMembershipIT {

    private static final Logger LOG = LoggerFactory.getLogger(StaticMembershipIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int PARTITIONS = 2;
    /** Offered input, records/s. */
    private static final int RATE = 400;
    /** How long the first run scores before the kill: far more than one commit interval (Kafka's old 30 s default would repeat it all). */
    private static final Duration FIRST_RUN = Duration.ofSeconds(10);
    /**
     * From the restarted process's start to its first output of a new offset. The issue asks for 10 s; a
     * loaded two-core machine (JVM start, TensorFlow's natives, state restore) gets a margin on top.
     */
    private static final Duration RESUME_BOUND = Duration.ofSeconds(20);
    /** Repeats allowed under at-least-once: the records of a commit interval (1 s) with generous room for a busy machine. */
    private static final int REPEAT_BOUND = RATE * 5;

    private final List<Path> logs = new ArrayList<>();

    @ParameterizedTest
    @ValueSource(strings = {"at_least_once", "exactly_once_v2"})
    void shouldResumeScoringSoonAfterASigkillAndRepeatAtMostOneCommitIntervalOfRecords(String guarantee, @TempDir Path dir)
            throws Exception {
        try {
            crashAndRestart(guarantee, dir);
        } catch (Exception | AssertionError e) {
            dumpLogs();
            throw e;
        }
    }

    private void crashAndRestart(String guarantee, Path dir) throws Exception {
        boolean exactlyOnce = guarantee.equals("exactly_once_v2");
        Pipeline.Topics topics = Pipeline.Topics.create(PARTITIONS);
        Map<String, String> config = config(topics, dir, guarantee);

        Map<SourceId, String> produced = new ConcurrentHashMap<>();
        try (Traffic traffic = new Traffic(topics.input(), produced);
             Pipeline.Outputs outputs = new Pipeline.Outputs(topics, exactlyOnce)) {
            Process first = start(config, dir, "first");
            Map<Integer, Long> scoredBefore;
            try {
                Await.until("the first run to score", TIMEOUT, () -> {
                    outputs.poll(Duration.ofMillis(200));
                    return outputs.all().size();
                }, n -> n > 0);
                long until = System.nanoTime() + FIRST_RUN.toNanos();
                while (System.nanoTime() < until) {
                    outputs.poll(Duration.ofMillis(200));
                }
            } finally {
                first.destroyForcibly(); // SIGKILL: no final commit, no leave-group
                assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
            // Everything the first run got out (under exactly-once: committed); its open transaction stays unread.
            outputs.drain(Duration.ofSeconds(1));
            scoredBefore = highestOffsets(outputs.all());
            int before = outputs.all().size();
            LOG.info("{}: the first run brought {} input offsets to an outcome before SIGKILL (highest per partition {})",
                    guarantee, before, scoredBefore);

            long started = System.nanoTime();
            Process second = start(config, dir, "second");
            try {
                Await.until("the restart to score an offset the first run had not", TIMEOUT, () -> {
                    outputs.poll(Duration.ofMillis(50));
                    return highestOffsets(outputs.all()).entrySet().stream()
                            .anyMatch(e -> e.getValue() > scoredBefore.getOrDefault(e.getKey(), -1L));
                }, resumed -> resumed);
                Duration resume = Duration.ofNanos(System.nanoTime() - started);
                LOG.info("{}: the restart scored a new offset {} ms after its process started", guarantee, resume.toMillis());
                assertThat(resume).as("from the restarted process's start to its first output of a new offset")
                        .isLessThan(RESUME_BOUND);

                traffic.stop();
                Map<SourceId, List<Output>> all = outputs.awaitAll(produced.keySet(), TIMEOUT);
                outputs.drain(Duration.ofSeconds(2));
                assertThat(all.keySet()).as("outputs for offsets never produced").isSubsetOf(produced.keySet());
                long repeats = all.values().stream().mapToLong(o -> o.size() - 1).sum();
                LOG.info("{}: {} input offsets, {} repeated outcomes after SIGKILL", guarantee, produced.size(), repeats);
                if (exactlyOnce) {
                    assertThat(Pipeline.notExactlyOnce(produced.keySet(), all)).as("offsets without exactly one outcome").isEmpty();
                    List<String> alertIds = alertIds(topics.alerts());
                    LOG.info("{}: {} records on the alerts topic", guarantee, alertIds.size());
                    assertThat(alertIds).as("ids on the alerts topic (read_committed)").doesNotHaveDuplicates();
                } else {
                    assertThat(repeats).as("outcomes repeated by one SIGKILL at %d records/s", RATE).isLessThanOrEqualTo(REPEAT_BOUND);
                    all.forEach((id, list) -> assertThat(list).extracting(Output::id).as("ids of the outputs of " + id)
                            .containsOnly(id.id()));
                }
            } finally {
                second.destroy();
                if (!second.waitFor(20, TimeUnit.SECONDS)) {
                    second.destroyForcibly();
                }
            }
        }
    }

    @Test
    void shouldLeaveTheGroupOnSigtermRatherThanHoldItsPartitionsForTheSessionTimeout(@TempDir Path dir) throws Exception {
        try {
            Pipeline.Topics topics = Pipeline.Topics.create(PARTITIONS);
            Map<String, String> config = config(topics, dir, "at_least_once");
            String group = config.get("kafka.application.id");
            Process vigil = start(config, dir, "sigterm");
            try (Admin admin = KafkaBroker.admin()) {
                List<MemberDescription> members = Await.until("instance vigil-a in the group", TIMEOUT,
                        () -> List.copyOf(describe(admin, group).members()), m -> !m.isEmpty());
                assertThat(members).extracting(m -> m.groupInstanceId().orElse(null))
                        .as("Kafka Streams' suffix per stream thread").containsExactly("vigil-a-1");

                vigil.destroy(); // SIGTERM
                assertThat(vigil.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(vigil.exitValue()).isZero();
                // Without a leave-group request the static member would stay for its session timeout (60 s).
                Await.until("the group to have no member after SIGTERM", Duration.ofSeconds(10),
                        () -> describe(admin, group).members(), java.util.Collection::isEmpty);
            } finally {
                vigil.destroyForcibly();
            }
        } catch (Exception | AssertionError e) {
            dumpLogs();
            throw e;
        }
    }

    /** Vigil's defaults for commit interval and session timeout; only the instance id is set. */
    private static Map<String, String> config(Pipeline.Topics topics, Path dir, String guarantee) throws IOException {
        Map<String, String> config = Pipeline.config(topics, dir.resolve("state"), guarantee);
        Path spec = dir.resolve("spec.json");
        Files.writeString(spec, Pipeline.SPEC.toJson());
        config.put(VigilConfig.MODEL_FILE, Pipeline.modelFile(7));
        config.put(VigilConfig.FEATURE_SPEC, spec.toString());
        config.put(VigilConfig.INSTANCE_ID, "vigil-a");
        config.put(VigilConfig.COOLDOWN_MS, "2000");
        return config;
    }

    private static ConsumerGroupDescription describe(Admin admin, String group) throws Exception {
        return admin.describeConsumerGroups(List.of(group)).all().get().get(group);
    }

    private static Map<Integer, Long> highestOffsets(Map<SourceId, List<Output>> outputs) {
        Map<Integer, Long> highest = new HashMap<>();
        outputs.keySet().forEach(id -> highest.merge(id.partition(), id.offset(), Math::max));
        return highest;
    }

    /** The {@code id} of every committed record on the alerts topic, repeats included. */
    private static List<String> alertIds(String topic) throws IOException {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> ids = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode alert = JSON.readTree(r.value());
                    assertThat(alert.hasNonNull("id")).as("alert %s has an id", alert).isTrue();
                    ids.add(alert.get("id").asText());
                }
            }
        }
        return ids;
    }

    private Process start(Map<String, String> config, Path dir, String name) throws IOException {
        Path file = dir.resolve(name + ".properties");
        Properties properties = new Properties();
        properties.putAll(config);
        try (Writer w = Files.newBufferedWriter(file)) {
            properties.store(w, "StaticMembershipIT " + name + " run");
        }
        Path log = dir.resolve(name + ".log");
        logs.add(log);
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "dev.vigil.cli.VigilCommand", "run", "--config", file.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private void dumpLogs() throws IOException {
        for (Path log : logs) {
            if (Files.exists(log)) {
                List<String> lines = Files.readAllLines(log);
                LOG.warn("Last lines of {}:\n{}", log.getFileName(),
                        String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
            }
        }
    }

    /** Generated traffic at {@link #RATE} records/s on its own thread, remembering each record's offset, until stopped. */
    private static final class Traffic implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Traffic(String topic, Map<SourceId, String> produced) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            TrafficGenerator generator = new TrafficGenerator(TrafficGenerator.Options.defaults().withSeed(11));
            thread = new Thread(() -> {
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                    long tick = 50;
                    int perTick = (int) (RATE * tick / 1000);
                    long next = System.nanoTime();
                    while (running.get()) {
                        generator.next(perTick).forEach(r -> producer.send(r.toProducerRecord(topic), (m, e) -> {
                            if (e == null) {
                                produced.put(new SourceId(m.topic(), m.partition(), m.offset()), r.truth());
                            }
                        }));
                        next += TimeUnit.MILLISECONDS.toNanos(tick);
                        long sleep = next - System.nanoTime();
                        if (sleep > 0) {
                            TimeUnit.NANOSECONDS.sleep(sleep);
                        }
                    }
                    producer.flush();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "static-membership-it-traffic");
            thread.start();
        }

        /** Stops producing; returns once every record sent has been acknowledged. */
        void stop() throws InterruptedException {
            running.set(false);
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }
}
