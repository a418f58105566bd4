package dev.vigil.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.service.StreamsSettings;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LatencySettingsTest {

    private static LatencySettings of(Map<String, String> overrides) {
        Map<String, String> props = new HashMap<>(Map.of("kafka.bootstrap.servers", "localhost:9092",
                VigilConfig.INPUT_TOPICS, "in"));
        props.putAll(overrides);
        VigilConfig config = VigilConfig.of(props);
        return LatencySettings.of(StreamsSettings.of(config), VigilSettings.from(config).scoring());
    }

    @Test
    void shouldReportVigilsSettingsAndKafkasDefaultsForTheRest() {
        LatencySettings settings = of(Map.of());

        assertThat(settings.commitIntervalMs()).isEqualTo(StreamsSettings.AT_LEAST_ONCE_COMMIT_INTERVAL_MS);
        assertThat(settings.lingerMs()).isEqualTo(5);
        assertThat(settings.pollMs()).isEqualTo(100);
        assertThat(settings.fetchMaxWaitMs()).isEqualTo(500);
        assertThat(settings.fetchMinBytes()).isEqualTo(1);
        // Kafka Streams' own default for its consumers, not the plain consumer's 500.
        assertThat(settings.maxPollRecords()).isEqualTo(1000);
        assertThat(settings.batchMaxRecords()).isEqualTo(256);
        assertThat(settings.batchMaxWaitMs()).isEqualTo(2);
    }

    @Test
    void shouldReportVigilsCommitIntervalUnderExactlyOnce() {
        assertThat(of(Map.of("kafka.processing.guarantee", "exactly_once_v2")).commitIntervalMs())
                .isEqualTo(StreamsSettings.EXACTLY_ONCE_COMMIT_INTERVAL_MS);
    }

    @Test
    void shouldReportWhatAnOverrideSetsWithOrWithoutAClientPrefix() {
        LatencySettings settings = of(Map.of("kafka.consumer.fetch.max.wait.ms", "10", "kafka.fetch.min.bytes", "1000",
                "kafka.producer.linger.ms", "0", "kafka.poll.ms", "20", "kafka.main.consumer.max.poll.records", "200"));

        assertThat(settings.fetchMaxWaitMs()).isEqualTo(10);
        assertThat(settings.fetchMinBytes()).isEqualTo(1000);
        assertThat(settings.lingerMs()).isZero();
        assertThat(settings.pollMs()).isEqualTo(20);
        assertThat(settings.maxPollRecords()).isEqualTo(200);
    }

    @Test
    void shouldNameItsKeysAfterKafkas() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        of(Map.of()).putInto(m);

        assertThat(m).containsOnlyKeys("kafka_commit_interval_ms", "kafka_linger_ms", "kafka_poll_ms", "kafka_fetch_max_wait_ms",
                "kafka_fetch_min_bytes", "kafka_max_poll_records", "score_batch_max_records", "score_batch_max_wait_ms");
        assertThat(m.get("kafka_commit_interval_ms")).isEqualTo(1000L);
    }
}
