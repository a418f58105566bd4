package dev.vigil.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.config.VigilConfig;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

class StreamsSettingsTest {

    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"${env:VIGIL_KAFKA_USERNAME}\" password=\"${env:VIGIL_KAFKA_PASSWORD}\";";

    @Test
    void shouldGiveOtherClientsTheSecuritySettingsAndTheConfigProvidersTheyReferTo() {
        VigilConfig config = VigilConfig.of(Map.of(
                "kafka.bootstrap.servers", "broker:9093",
                "kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.mechanism", "SCRAM-SHA-512",
                "kafka.sasl.jaas.config", JAAS,
                "kafka.config.providers", "env",
                "kafka.config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                "kafka.config.providers.env.param.allowlist.pattern", "^VIGIL_KAFKA_.*$"));

        Properties admin = StreamsSettings.clientProperties(config, AdminClientConfig.configNames());

        // Without the provider's class an Admin client leaves ${env:...} as it is and fails to authenticate.
        assertThat(admin).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("config.providers", "env")
                .containsEntry("config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider")
                .containsEntry("config.providers.env.param.allowlist.pattern", "^VIGIL_KAFKA_.*$");
    }

    @Test
    void shouldLeaveOutSettingsTheClientDoesNotKnow() {
        VigilConfig config = VigilConfig.of(Map.of("kafka.bootstrap.servers", "broker:9092"));

        Properties admin = StreamsSettings.clientProperties(config, AdminClientConfig.configNames());

        assertThat(admin).containsEntry("bootstrap.servers", "broker:9092").doesNotContainKey("processing.guarantee")
                .doesNotContainKey("application.id");
    }
}
