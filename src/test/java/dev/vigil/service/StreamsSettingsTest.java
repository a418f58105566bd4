package dev.vigil.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.config.VigilConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** Vigil's Kafka Streams defaults: what a crash repeats, static membership, and that a user's kafka.* key wins. */
class StreamsSettingsTest {

    private static final String INSTANCE_ID = StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    private static final String SESSION_TIMEOUT = StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG);

    private static Properties settings(Map<String, String> overrides) {
        Map<String, String> config = new HashMap<>(Map.of("kafka.bootstrap.servers", "localhost:9092"));
        config.putAll(overrides);
        return StreamsSettings.of(VigilConfig.of(config));
    }

    @Test
    void shouldCommitEverySecondUnderAtLeastOnceSoThatACrashRepeatsAtMostASecondOfTraffic() {
        Properties p = settings(Map.of());

        assertThat(p.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.AT_LEAST_ONCE);
        assertThat(p.getProperty(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo("1000");
        assertThat(new StreamsConfig(p).getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(1_000L);
    }

    @Test
    void shouldLetKafkaCommitIntervalOverrideTheDefault() {
        Properties p = settings(Map.of("kafka.commit.interval.ms", "30000"));

        assertThat(new StreamsConfig(p).getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(30_000L);
    }

    @Test
    void shouldCommitEvery50MsUnderExactlyOnceSinceOutputsBecomeVisibleOnlyAtACommit() {
        Properties p = settings(Map.of("kafka.processing.guarantee", StreamsConfig.EXACTLY_ONCE_V2));

        assertThat(new StreamsConfig(p).getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(50L);
    }

    @Test
    void shouldLetKafkaCommitIntervalOverrideTheDefaultUnderExactlyOnce() {
        Properties p = settings(Map.of("kafka.processing.guarantee", StreamsConfig.EXACTLY_ONCE_V2,
                "kafka.commit.interval.ms", "100"));

        assertThat(new StreamsConfig(p).getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(100L);
    }

    @Test
    void shouldUseDynamicMembershipWithoutAnInstanceId() {
        Properties p = settings(Map.of());

        assertThat(p).doesNotContainKeys(INSTANCE_ID, SESSION_TIMEOUT, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    }

    @Test
    void shouldMakeTheInstanceIdTheMainConsumersGroupInstanceIdWithALongerSessionTimeout() {
        Properties p = settings(Map.of(VigilConfig.INSTANCE_ID, "vigil-a"));
        StreamsConfig streams = new StreamsConfig(p);

        Map<String, Object> main = streams.getMainConsumerConfigs("vigil", "client", 1);
        assertThat(main.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)).as("Kafka Streams' per-thread suffix").isEqualTo("vigil-a-1");
        assertThat(main.get(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG)).hasToString("60000");
        assertThat(streams.getRestoreConsumerConfigs("client")).doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        // The model registry's consumer and the Admin client are built from the same settings: no group, no instance id.
        assertThat(StreamsSettings.clientProperties(VigilConfig.of(Map.of("kafka.bootstrap.servers", "localhost:9092",
                VigilConfig.INSTANCE_ID, "vigil-a")), ConsumerConfig.configNames()))
                .doesNotContainKeys(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG);
    }

    @Test
    void shouldTakeTheInstanceIdFromTheEnvironmentAndKeepAUsersSessionTimeout() {
        VigilConfig config = VigilConfig.load(null, Map.of("VIGIL_INSTANCE_ID", "vigil-b"),
                Map.of("kafka.bootstrap.servers", "localhost:9092", "kafka.session.timeout.ms", "2000"));

        Map<String, Object> main = new StreamsConfig(StreamsSettings.of(config)).getMainConsumerConfigs("vigil", "client", 1);

        assertThat(main.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)).isEqualTo("vigil-b-1");
        assertThat(main.get(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG)).hasToString("2000");
    }

    @Test
    void shouldRefuseAnInstanceIdThatIsNotALegalGroupInstanceId() {
        assertThatThrownBy(() -> settings(Map.of(VigilConfig.INSTANCE_ID, "vigil a")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(VigilConfig.INSTANCE_ID);
        assertThatThrownBy(() -> settings(Map.of(VigilConfig.INSTANCE_ID, "")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(VigilConfig.INSTANCE_ID);
    }

    @Test
    void shouldRefuseAnInstanceIdWithTheStreamsGroupProtocolWhichCannotUseIt() {
        assertThatThrownBy(() -> settings(Map.of(VigilConfig.INSTANCE_ID, "vigil-a", "kafka.group.protocol", "streams")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(VigilConfig.INSTANCE_ID)
                .hasMessageContaining("classic");
    }

    @Test
    void shouldFindABadValueForAnyOfKafkaStreamsClientsWithoutBuildingOne() {
        for (Map.Entry<String, String> bad : Map.of(
                "kafka.producer.acks", "maybe",
                "kafka.main.consumer.max.poll.records", "many",
                "kafka.admin.retries", "-x",
                "kafka.restore.consumer.fetch.min.bytes", "few",
                "kafka.global.consumer.max.poll.records", "lots",
                "kafka.processing.guarantee", "twice").entrySet()) {
            Properties properties = settings(Map.of(bad.getKey(), bad.getValue()));
            assertThatThrownBy(() -> StreamsSettings.validate(properties)).as(bad.getKey())
                    .isInstanceOf(ConfigException.class).hasMessageContaining(bad.getValue());
        }
        StreamsSettings.validate(settings(Map.of(VigilConfig.INSTANCE_ID, "vigil-a", "kafka.producer.acks", "1")));
        StreamsSettings.validate(settings(Map.of("kafka.processing.guarantee", "exactly_once_v2", "kafka.no.such.key", "1")));
    }

    @Test
    void shouldAcceptASecuredClusterWhosePasswordComesFromTheEnvironment() {
        StreamsSettings.validate(settings(Map.of(
                "kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.mechanism", "SCRAM-SHA-512",
                "kafka.sasl.jaas.config", JAAS,
                "kafka.config.providers", "env",
                "kafka.config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                "kafka.config.providers.env.param.allowlist.pattern", "^VIGIL_KAFKA_.*$")));
    }

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
