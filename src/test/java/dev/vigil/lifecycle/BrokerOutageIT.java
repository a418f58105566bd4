package dev.vigil.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.config.VigilConfig;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.service.VigilService;
import dev.vigil.testsupport.Await;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker goes away and comes back: {@code /readyz} turns 503 and says why while Kafka Streams
 * still reports RUNNING, one line is logged when readiness is lost and one when it returns.
 *
 * <p>This test has a broker of its own (the shared test broker cannot be stopped under the other
 * tests), restarted on the same log directory and port so that the service finds it again.
 */
class BrokerOutageIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private PrintStream originalErr;

    @BeforeEach
    void captureLog() {
        // slf4j-simple writes to whatever System.err is at the time: keep printing it, and keep a copy.
        originalErr = System.err;
        System.setErr(new PrintStream(new Tee(originalErr, log), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreLog() {
        System.setErr(originalErr);
    }

    @Test
    void shouldTurnNotReadyWhileTheBrokerIsGoneAndReadyWhenItIsBack() throws Exception {
        Path logDir = dir.resolve("kafka");
        EmbeddedKafka broker = EmbeddedKafka.start(logDir, 0, Map.of());
        int brokerPort = Integer.parseInt(broker.bootstrapServers().substring(broker.bootstrapServers().lastIndexOf(':') + 1));
        try (VigilService service = new VigilService(config(broker.bootstrapServers()), TrafficGenerator.spec())) {
            service.start();
            String readyz = "http://127.0.0.1:" + service.httpPort() + "/readyz";
            Await.until("ready with the broker up", Duration.ofSeconds(90), () -> get(readyz), r -> r.statusCode() == 200);

            broker.close();
            HttpResponse<String> down = Await.until("not ready with the broker gone", Duration.ofSeconds(90),
                    () -> get(readyz), r -> r.statusCode() == 503);
            assertThat(down.body()).startsWith("not ready:").contains("Kafka cluster");
            assertThat(service.state()).as("Kafka Streams alone does not notice").isEqualTo(KafkaStreams.State.RUNNING);
            assertThat(logged()).as("one line when readiness is lost").containsOnlyOnce("Kafka cluster unreachable");

            broker = EmbeddedKafka.start(logDir, brokerPort, Map.of());
            HttpResponse<String> up = Await.until("ready again with the broker back", Duration.ofSeconds(120),
                    () -> get(readyz), r -> r.statusCode() == 200);
            assertThat(up.body()).startsWith("ready: RUNNING");
            assertThat(logged()).as("one line when readiness returns").containsOnlyOnce("Kafka cluster reachable again");
        } finally {
            broker.close();
        }
    }

    private VigilConfig config(String bootstrapServers) {
        Map<String, String> settings = new HashMap<>();
        settings.put("kafka.bootstrap.servers", bootstrapServers);
        settings.put("kafka.application.id", "broker-outage");
        settings.put(VigilConfig.STATE_DIR, dir.resolve("state").toString());
        settings.put(VigilConfig.HTTP_PORT, "0");
        settings.put(VigilConfig.SHUTDOWN_TIMEOUT_MS, "10000");
        return VigilConfig.of(settings);
    }

    private String logged() {
        synchronized (log) {
            return log.toString(StandardCharsets.UTF_8);
        }
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Writes to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final ByteArrayOutputStream copy;

        Tee(OutputStream first, ByteArrayOutputStream copy) {
            this.first = first;
            this.copy = copy;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (copy) {
                copy.write(b, off, len);
            }
            try {
                first.write(b, off, len);
            } catch (java.io.IOException e) {
                // The copy is what the test reads; the console is a courtesy.
            }
        }

        @Override
        public void flush() throws java.io.IOException {
            first.flush();
        }
    }
}
