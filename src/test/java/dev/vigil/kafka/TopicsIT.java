package dev.vigil.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.config.VigilConfig;
import dev.vigil.service.VigilService;
import dev.vigil.testsupport.KafkaBroker;
import dev.vigil.testsupport.TestRecords;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBroker.class)
class TopicsIT {

    @Test
    void shouldCreateMissingTopicsWithTheirConfigsAndLeaveExistingOnesAlone() throws Exception {
        String models = KafkaBroker.uniqueName("models");
        String scores = KafkaBroker.uniqueName("scores");
        List<TopicSpec> specs = List.of(
                TopicSpec.of(models, 1).withConfig("cleanup.policy", "compact"),
                TopicSpec.of(scores, 4));

        try (Admin admin = KafkaBroker.admin()) {
            assertThat(Topics.ensure(admin, specs)).containsExactly(models, scores);
            assertThat(Topics.ensure(admin, specs)).isEmpty();

            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, models);
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(admin.describeTopics(List.of(scores)).allTopicNames().get().get(scores).partitions()).hasSize(4);
        }
    }

    @Test
    void shouldNotChangeAnExistingTopicThatHasFewerPartitionsThanWanted() throws Exception {
        String name = KafkaBroker.createTopic("narrow", 1);

        try (Admin admin = KafkaBroker.admin()) {
            assertThat(Topics.ensure(admin, List.of(new TopicSpec(name, 6, (short) 1, Map.of())))).isEmpty();
            assertThat(admin.describeTopics(List.of(name)).allTopicNames().get().get(name).partitions()).hasSize(1);
        }
    }

    @Test
    void shouldDateTrainingSamplesByAppendTimeSoThatAReplayOfOldDataIsNotDeletedBeforeTheWindowReadsIt() throws Exception {
        String training = KafkaBroker.uniqueName("training");
        VigilConfig config = VigilConfig.of(Map.of(
                "kafka.bootstrap.servers", KafkaBroker.bootstrapServers(),
                VigilConfig.TRAINING_TOPIC, training));
        TopicSpec spec = VigilService.topics(config).stream().filter(t -> t.name().equals(training)).findFirst().orElseThrow();
        long twoYearsAgo = System.currentTimeMillis() - Duration.ofDays(730).toMillis();
        long before = System.currentTimeMillis();

        try (Admin admin = KafkaBroker.admin()) {
            Topics.ensure(admin, List.of(spec));
        }
        TestRecords.produce(KafkaBroker.bootstrapServers(),
                List.of(new ProducerRecord<>(training, 0, twoYearsAgo, null, new byte[] {1})));
        List<ConsumerRecord<byte[], byte[]>> read =
                TestRecords.consume(KafkaBroker.bootstrapServers(), training, 1, Duration.ofSeconds(10), false);

        assertThat(read).hasSize(1);
        // Retention (one day) counts from this timestamp: the broker's append time, not the event time.
        assertThat(read.get(0).timestamp()).isGreaterThanOrEqualTo(before);
    }
}
