package dev.vigil.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class KafkaKeysTest {

    @Test
    void shouldFlagAMisspelledKafkaKey() {
        assertThat(KafkaKeys.unknown(List.of("bootstrap.server", "bootstrap.servers"))).containsExactly("bootstrap.server");
    }

    @Test
    void shouldKnowClientStreamsAndTopicSettingsBehindStreamsPrefixes() {
        List<String> keys = List.of("processing.guarantee", "commit.interval.ms", "consumer.max.poll.records",
                "main.consumer.fetch.max.wait.ms", "restore.consumer.max.poll.records", "global.consumer.fetch.min.bytes",
                "producer.linger.ms", "admin.request.timeout.ms", "topic.retention.ms", "security.protocol",
                "sasl.jaas.config", "ssl.truststore.location", "group.instance.id");

        assertThat(KafkaKeys.unknown(keys)).isEmpty();
    }

    @Test
    void shouldFlagAnUnknownSettingBehindAPrefix() {
        assertThat(KafkaKeys.unknown(List.of("producer.lingr.ms", "topic.retention.msec", "main.consumer.max.pol.records")))
                .containsExactly("producer.lingr.ms", "topic.retention.msec", "main.consumer.max.pol.records");
    }

    @Test
    void shouldKnowTheSettingsOfANamedConfigProvider() {
        List<String> keys = List.of("config.providers", "config.providers.env.class",
                "config.providers.env.param.allowlist.pattern", "admin.config.providers.file.class");

        assertThat(KafkaKeys.unknown(keys)).isEmpty();
    }
}
