package dev.vigil.kafka;

import static dev.vigil.testsupport.TestRecords.string;
import static dev.vigil.testsupport.TestRecords.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.testsupport.Await;
import dev.vigil.testsupport.KafkaBroker;
import dev.vigil.testsupport.SelfSignedTls;
import dev.vigil.testsupport.TestRecords;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaBroker.class)
class EmbeddedKafkaIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void shouldDeliverEveryProducedRecordAcrossPartitions() {
        String topic = KafkaBroker.createTopic("roundtrip", 3);
        List<ProducerRecord<byte[], byte[]>> sent = IntStream.range(0, 1000)
                .mapToObj(i -> new ProducerRecord<>(topic, utf8("key-" + (i % 17)), utf8("value-" + i)))
                .toList();

        TestRecords.produce(KafkaBroker.bootstrapServers(), sent);
        List<ConsumerRecord<byte[], byte[]>> received =
                TestRecords.consume(KafkaBroker.bootstrapServers(), topic, 1000, TIMEOUT, false);

        assertThat(received).hasSize(1000);
        assertThat(received.stream().map(r -> string(r.value())))
                .containsExactlyInAnyOrderElementsOf(sent.stream().map(r -> string(r.value())).toList());
        assertThat(received.stream().map(ConsumerRecord::partition).distinct()).hasSize(3);
    }

    @Test
    void shouldKeepRecordsAndCommittedOffsetsWhenRestartedOnTheSameLogDir(@TempDir Path dir) throws Exception {
        Path logDir = dir.resolve("kafka");
        String topic = "durable";
        String group = "durable-group";
        TopicPartition partition = new TopicPartition(topic, 0);
        List<String> values = IntStream.range(0, 100).mapToObj(i -> "record-" + i).toList();

        try (EmbeddedKafka kafka = EmbeddedKafka.start(logDir, 0, Map.of())) {
            try (Admin admin = admin(kafka)) {
                Topics.ensure(admin, List.of(TopicSpec.of(topic, 1)));
            }
            TestRecords.produceStrings(kafka.bootstrapServers(), topic,
                    values.stream().map(v -> Map.entry("k", v)).toList());
            try (KafkaConsumer<byte[], byte[]> consumer = groupConsumer(kafka, group)) {
                consumer.assign(List.of(partition));
                consumer.commitSync(Map.of(partition, new OffsetAndMetadata(40)));
            }
        }
        assertThat(logDir.resolve("meta.properties")).exists();

        try (EmbeddedKafka kafka = EmbeddedKafka.start(logDir, 0, Map.of())) {
            List<ConsumerRecord<byte[], byte[]>> all = TestRecords.consume(kafka.bootstrapServers(), topic, 100, TIMEOUT, false);
            assertThat(all.stream().map(r -> string(r.value()))).containsExactlyElementsOf(values);

            try (Admin admin = admin(kafka)) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                assertThat(committed.get(partition).offset()).isEqualTo(40);
            }
            try (KafkaConsumer<byte[], byte[]> consumer = groupConsumer(kafka, group)) {
                consumer.subscribe(List.of(topic));
                List<ConsumerRecord<byte[], byte[]>> resumed = new ArrayList<>();
                Await.until("the group to resume at its committed offset", TIMEOUT, () -> {
                    consumer.poll(Duration.ofMillis(100)).forEach(resumed::add);
                    return resumed.size() >= 60;
                });
                assertThat(resumed).hasSize(60);
                assertThat(resumed.get(0).offset()).isEqualTo(40);
                assertThat(string(resumed.get(0).value())).isEqualTo("record-40");
            }
        }
    }

    @Test
    void shouldDeleteItsTemporaryLogDirOnClose() {
        Path logDir;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            logDir = kafka.logDir();
            assertThat(logDir.resolve("meta.properties")).exists();
        }
        assertThat(Files.exists(logDir)).isFalse();
    }

    @Test
    void shouldMakeItsTemporaryLogDirUnderTheGivenParentAndDeleteItOnClose(@TempDir Path parent) {
        Path logDir;
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporaryIn(parent)) {
            logDir = kafka.logDir();
            assertThat(logDir.getParent()).isEqualTo(parent.toAbsolutePath());
            assertThat(logDir.resolve("meta.properties")).exists();
        }
        assertThat(Files.exists(logDir)).isFalse();
        assertThat(parent).isEmptyDirectory();
    }

    @Test
    void shouldRefuseToStartOnAPortThatIsTaken() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> EmbeddedKafka.start(null, taken.getLocalPort(), Map.of()).close())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(String.valueOf(taken.getLocalPort()))
                    .hasMessageContaining("Address already in use");
        }
    }

    @Test
    void shouldGiveTestGroupsASixSecondSessionTimeout() throws Exception {
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
        try (Admin admin = KafkaBroker.admin()) {
            Config config = admin.describeConfigs(List.of(broker)).all().get().get(broker);
            for (String protocol : List.of("consumer", "streams")) {
                assertThat(config.get("group." + protocol + ".session.timeout.ms").value())
                        .isEqualTo(String.valueOf(KafkaBroker.GROUP_SESSION_TIMEOUT_MS));
            }
            assertThat(Integer.parseInt(config.get("group.min.session.timeout.ms").value()))
                    .isLessThanOrEqualTo(KafkaBroker.GROUP_SESSION_TIMEOUT_MS);
        }
    }

    @Test
    void shouldServeSaslSslClientsThatKnowTheScramPasswordAndTurnAwayOthers(@TempDir Path dir) throws Exception {
        SelfSignedTls tls = SelfSignedTls.create(dir.resolve("tls"));
        String password = SelfSignedTls.randomSecret();
        EmbeddedKafka.SaslSsl saslSsl = new EmbeddedKafka.SaslSsl(tls.keyStore(), tls.keyStorePassword(), "vigil", password);

        try (EmbeddedKafka kafka = EmbeddedKafka.start(null, 0, Map.of(), saslSsl)) {
            assertThat(kafka.saslSslBootstrapServers()).isNotEqualTo(kafka.bootstrapServers());
            try (Admin admin = Admin.create(saslSslClient(kafka, tls, password))) {
                Topics.ensure(admin, List.of(TopicSpec.of("secured", 1)));
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("secured");
            }
            try (Admin wrong = Admin.create(saslSslClient(kafka, tls, "not-" + password))) {
                assertThatThrownBy(() -> wrong.listTopics().names().get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(SaslAuthenticationException.class)
                        .hasMessageContaining("invalid credentials");
            }
            // The PLAINTEXT listener is unchanged.
            try (Admin plain = admin(kafka)) {
                assertThat(plain.listTopics().names().get(30, TimeUnit.SECONDS)).contains("secured");
            }
        }
    }

    private static Map<String, Object> saslSslClient(EmbeddedKafka kafka, SelfSignedTls tls, String password) {
        return Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.saslSslBootstrapServers(),
                AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "SASL_SSL",
                SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512",
                SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required "
                        + "username=\"vigil\" password=\"" + password + "\";",
                SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12",
                SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, tls.trustStore().toString(),
                SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, tls.trustStorePassword());
    }

    private static Admin admin(EmbeddedKafka kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static KafkaConsumer<byte[], byte[]> groupConsumer(EmbeddedKafka kafka, String group) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
