package dev.vigil.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.it.Pipeline.Output;
import dev.vigil.score.SourceId;
import dev.vigil.testsupport.Await;
import dev.vigil.testsupport.KafkaBroker;
import dev.vigil.testsupport.SteadyTraffic;
import dev.vigil.testsupport.VigilProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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
    private static final Duration FIRST_RUN = Duration.ofSeconds(5);
    /**
     * From the restarted process's start to its first output of a new offset. The issue asks for 10 s; a
     * loaded two-core machine (JVM start, TensorFlow's natives, state restore) gets a margin on top.
     */
    private static final Duration RESUME_BOUND = Duration.ofSeconds(20);
    /** Repeats allowed under at-least-once: the records of a commit interval (1 s) with generous room for a busy machine. */
    private static final int REPEAT_BOUND = RATE * 5;

    private final List<VigilProcess> runs = new ArrayList<>();

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
        Map<String, String> config = Pipeline.instanceConfig(KafkaBroker.bootstrapServers(), topics, dir, guarantee);

        try (SteadyTraffic traffic = new SteadyTraffic(KafkaBroker.bootstrapServers(), topics.input(), RATE,
                TrafficGenerator.Options.defaults().withSeed(11));
             Pipeline.Outputs outputs = new Pipeline.Outputs(topics, exactlyOnce)) {
            Map<SourceId, String> produced = traffic.produced();
            VigilProcess first = start(config, dir, "first");
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
                first.kill(); // SIGKILL: no final commit, no leave-group
            }
            // Everything the first run got out (under exactly-once: committed); its open transaction stays unread.
            outputs.drain(Duration.ofSeconds(1));
            scoredBefore = outputs.highestOffsets();
            int before = outputs.all().size();
            LOG.info("{}: the first run brought {} input offsets to an outcome before SIGKILL (highest per partition {})",
                    guarantee, before, scoredBefore);

            VigilProcess second = start(config, dir, "second");
            try {
                Await.until("the restart to score an offset the first run had not", TIMEOUT, () -> {
                    outputs.poll(Duration.ofMillis(50));
                    return outputs.beyond(scoredBefore);
                }, resumed -> resumed);
                Duration resume = Duration.ofNanos(System.nanoTime() - second.startedNanos());
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
                second.close();
            }
        }
    }

    @Test
    void shouldLeaveTheGroupOnSigtermRatherThanHoldItsPartitionsForTheSessionTimeout(@TempDir Path dir) throws Exception {
        try {
            Pipeline.Topics topics = Pipeline.Topics.create(PARTITIONS);
            Map<String, String> config = Pipeline.instanceConfig(KafkaBroker.bootstrapServers(), topics, dir, "at_least_once");
            String group = config.get("kafka.application.id");
            VigilProcess run = start(config, dir, "sigterm");
            Process vigil = run.process();
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
                run.kill();
            }
        } catch (Exception | AssertionError e) {
            dumpLogs();
            throw e;
        }
    }

    private static ConsumerGroupDescription describe(Admin admin, String group) throws Exception {
        return admin.describeConsumerGroups(List.of(group)).all().get().get(group);
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

    private VigilProcess start(Map<String, String> config, Path dir, String name) throws IOException {
        VigilProcess run = VigilProcess.start(config, dir, name);
        runs.add(run);
        return run;
    }

    private void dumpLogs() {
        runs.forEach(run -> LOG.warn("Last lines of {}:\n{}", run.log().getFileName(), run.tail(60)));
    }
}
