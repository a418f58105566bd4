package dev.vigil.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.config.VigilConfig;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.kafka.TopicSpec;
import dev.vigil.kafka.Topics;
import dev.vigil.testsupport.Await;
import dev.vigil.testsupport.SelfSignedTls;
import dev.vigil.testsupport.TestRecords;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Vigil against a secured cluster: {@code vigil run} in a child JVM talks to the embedded broker's
 * SASL_SSL listener only (SCRAM-SHA-512 over TLS with a self-signed certificate), configured the
 * way the README tells users to: {@code kafka.*} keys in a properties file, with the user name and
 * the passwords read from environment variables by Kafka's {@code EnvVarConfigProvider}.
 *
 * <p>The child logs Kafka's client configuration at INFO, so the test can check that the password
 * is masked there, and that it appears nowhere in the log, on {@code /metrics} or on {@code /api/model}.
 * The test itself produces and reads over the broker's PLAINTEXT listener.
 */
class SecureKafkaIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String USERNAME = "vigil-service";
    private static final Pattern HTTP_PORT = Pattern.compile("HTTP endpoints on \\S*:(\\d+)");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;

    private static SelfSignedTls tls;
    private static String password;
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startSecuredBroker() {
        tls = SelfSignedTls.create(shared.resolve("tls"));
        password = SelfSignedTls.randomSecret();
        kafka = EmbeddedKafka.start(null, 0, Map.of(),
                new EmbeddedKafka.SaslSsl(tls.keyStore(), tls.keyStorePassword(), USERNAME, password));
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldScoreEveryRecordOverSaslSslWithCredentialsFromTheEnvironmentAndNeverShowThem(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        String input = createTopics("secure-in", "secure-scores", "secure-alerts", "secure-dead").get(0);
        List<GeneratedRecord> records = TrafficGenerator.generate(TrafficGenerator.Options.defaults()
                .withSeed(11).withMalformedRate(0), 500);
        TestRecords.produce(kafka.bootstrapServers(), records.stream().map(r -> r.toProducerRecord(input)).toList());

        Path log = dir.resolve("vigil.log");
        Process vigil = startVigil(config(dir, "secure"), environment(password), log);
        String metrics;
        String model;
        try {
            List<ConsumerRecord<byte[], byte[]>> scores = readWhileAlive(vigil, log, "secure-scores", records.size());
            assertThat(scores).as("score records written over SASL_SSL").hasSize(records.size());
            for (ConsumerRecord<byte[], byte[]> score : scores) {
                assertThat(JSON.readTree(score.value()).path("outcome").asText()).isIn("normal", "anomaly");
            }

            int port = httpPort(log);
            metrics = Await.until("every input record counted on /metrics", TIMEOUT, () -> get(port, "/metrics"),
                    text -> countedRecords(text, input) == records.size());
            model = get(port, "/api/model");
            assertThat(JSON.readTree(model).path("version").asInt()).as("/api/model: %s", model).isEqualTo(1);
        } finally {
            stop(vigil);
        }

        String logText = Files.readString(log);
        // The check below means something only if Kafka's client configuration was logged at all.
        assertThat(logText).contains("sasl.jaas.config = [hidden]", "ssl.truststore.password = [hidden]");
        for (String secret : List.of(password, tls.trustStorePassword())) {
            assertThat(logText).as("Vigil's log").doesNotContain(secret);
            assertThat(metrics).as("/metrics").doesNotContain(secret);
            assertThat(model).as("/api/model").doesNotContain(secret);
        }
    }

    /**
     * With topic creation on, the Admin client is the first to be turned away; with it off (as on
     * a cluster where topics are managed elsewhere) and no bootstrap model, Kafka Streams is.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldStopWithAnAuthenticationErrorWhenThePasswordIsWrong(boolean createTopics,
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        String prefix = "wrong-" + createTopics;
        createTopics(prefix + "-in", prefix + "-scores", prefix + "-alerts", prefix + "-dead", prefix + "-models",
                prefix + "-training");
        Map<String, String> config = config(dir, prefix);
        config.put(VigilConfig.TOPICS_CREATE, String.valueOf(createTopics));
        if (!createTopics) {
            config.remove(VigilConfig.MODEL_FILE);
        }
        String wrong = SelfSignedTls.randomSecret();
        Path log = dir.resolve("vigil.log");

        Process vigil = startVigil(config, environment(wrong), log);
        boolean exited = vigil.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (!exited) {
            stop(vigil);
        }

        String logText = Files.readString(log);
        assertThat(exited).as("vigil run ended by itself (log: %s)", log).isTrue();
        assertThat(vigil.exitValue()).isEqualTo(1);
        assertThat(logText).contains("vigil: the Kafka cluster refused the connection: Authentication failed during "
                + "authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512");
        assertThat(logText).doesNotContain(wrong).doesNotContain(password);
    }

    /** Topics created over PLAINTEXT, so that the test's reader finds them however far Vigil gets. */
    private static List<String> createTopics(String... names) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Topics.ensure(admin, List.of(names).stream().map(n -> TopicSpec.of(n, 1)).toList());
        }
        return List.of(names);
    }

    /** A configuration as a user writes it: no secret in the file, only references to the environment. */
    private static Map<String, String> config(Path dir, String prefix) throws IOException {
        Path spec = dir.resolve("spec.json");
        Files.writeString(spec, Pipeline.SPEC.toJson());
        Map<String, String> c = new LinkedHashMap<>();
        c.put("kafka.bootstrap.servers", kafka.saslSslBootstrapServers());
        c.put("kafka.application.id", prefix + "-vigil");
        c.put("kafka.security.protocol", "SASL_SSL");
        c.put("kafka.sasl.mechanism", "SCRAM-SHA-512");
        c.put("kafka.config.providers", "env");
        c.put("kafka.config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        c.put("kafka.config.providers.env.param.allowlist.pattern", "^VIGIL_KAFKA_.*$");
        c.put("kafka.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"${env:VIGIL_KAFKA_USERNAME}\" password=\"${env:VIGIL_KAFKA_PASSWORD}\";");
        c.put("kafka.ssl.truststore.type", "PKCS12");
        c.put("kafka.ssl.truststore.location", tls.trustStore().toString());
        c.put("kafka.ssl.truststore.password", "${env:VIGIL_KAFKA_TRUSTSTORE_PASSWORD}");
        c.put(VigilConfig.INPUT_TOPICS, prefix + "-in");
        c.putAll(Pipeline.outputTopics(prefix));
        c.put(VigilConfig.FEATURE_SPEC, spec.toString());
        c.put(VigilConfig.MODEL_FILE, Pipeline.modelFile(7));
        c.put(VigilConfig.STATE_DIR, dir.resolve("state").toString());
        c.put(VigilConfig.HTTP_PORT, "0");
        c.put(VigilConfig.HTTP_BIND_ADDRESS, "127.0.0.1");
        c.put(VigilConfig.SHUTDOWN_TIMEOUT_MS, "10000");
        return c;
    }

    private static Map<String, String> environment(String kafkaPassword) {
        return Map.of("VIGIL_KAFKA_USERNAME", USERNAME,
                "VIGIL_KAFKA_PASSWORD", kafkaPassword,
                "VIGIL_KAFKA_TRUSTSTORE_PASSWORD", tls.trustStorePassword());
    }

    /** {@code vigil run} in a child JVM with the given environment; Kafka's INFO lines (its config dumps) included. */
    private static Process startVigil(Map<String, String> config, Map<String, String> environment, Path log) throws IOException {
        Path file = log.resolveSibling("vigil.properties");
        Properties properties = new Properties();
        properties.putAll(config);
        try (Writer w = Files.newBufferedWriter(file)) {
            properties.store(w, "SecureKafkaIT");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dorg.slf4j.simpleLogger.log.org.apache.kafka=info",
                "-cp", System.getProperty("java.class.path"),
                "dev.vigil.cli.VigilCommand", "run", "--config", file.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // Only what a deployment would set: no KAFKA_* variable of the test's own environment gets in.
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("KAFKA_") || name.startsWith("VIGIL_"));
        env.putAll(environment);
        return builder.start();
    }

    /** Reads {@code topic} until {@code count} records arrived; fails at once, naming the log, if the child ends. */
    private static List<ConsumerRecord<byte[], byte[]>> readWhileAlive(Process vigil, Path log, String topic, int count) {
        List<ConsumerRecord<byte[], byte[]>> received = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            Await.until(count + " records on " + topic + " (log: " + log + ")", TIMEOUT, () -> {
                if (!vigil.isAlive()) {
                    throw new AssertionError("vigil run ended with exit code " + vigil.exitValue() + "; see " + log);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                return received.size();
            }, n -> n >= count);
        }
        return received;
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static int httpPort(Path log) {
        return Await.until("the HTTP port in " + log, TIMEOUT, () -> {
            Matcher m = HTTP_PORT.matcher(Files.readString(log));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        }, port -> port > 0);
    }

    private static String get(int port, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return response.body();
    }

    /** The sum of {@code vigil_records_total} over every outcome of one input topic. */
    private static double countedRecords(String metrics, String topic) {
        double total = 0;
        Matcher m = Pattern.compile("^vigil_records_total\\{([^}]*)} (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        while (m.find()) {
            if (m.group(1).contains("topic=\"" + topic + "\"")) {
                total += Double.parseDouble(m.group(2));
            }
        }
        return total;
    }
}
