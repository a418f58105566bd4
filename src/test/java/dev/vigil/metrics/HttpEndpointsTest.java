package dev.vigil.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.config.VigilConfig;
import dev.vigil.testsupport.Await;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpEndpointsTest {

    /** More than the old server's two handler threads. */
    private static final int STALLED_REQUESTS = 4;

    /** What /api/model might serve; the real one belongs to the model package. */
    record ModelInfo(long version, String createdAt, long parameters, double threshold) {}

    private final HttpClient client = HttpClient.newHttpClient();
    private final VigilMetrics metrics = new VigilMetrics();
    private final AtomicReference<Readiness> readiness =
            new AtomicReference<>(Readiness.of(KafkaStreams.State.REBALANCING, OptionalLong.empty(), Optional.empty()));
    private final AtomicReference<Object> model = new AtomicReference<>();
    private HttpEndpoints endpoints;

    @BeforeEach
    void start() throws IOException {
        endpoints = HttpEndpoints.start(HttpEndpoints.Settings.onPort(0), metrics, readiness::get, model::get);
    }

    @AfterEach
    void stop() {
        endpoints.close();
    }

    @Test
    void shouldServePrometheusTextWithTheOutcomeCounters() throws Exception {
        metrics.registerInputTopic("input");
        metrics.recordOutcome("input", dev.vigil.score.Outcome.ANOMALY);

        HttpResponse<String> response = get("/metrics", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
        assertThat(response.body())
                .contains("# TYPE vigil_records_total counter")
                .contains("vigil_records_total{outcome=\"anomaly\",topic=\"input\"} 1.0")
                .contains("vigil_records_total{outcome=\"normal\",topic=\"input\"} 0.0");
    }

    @Test
    void shouldServeOpenMetricsWhenTheScraperAsksForIt() throws Exception {
        metrics.observeBatch(16, 0.001);

        HttpResponse<String> response = get("/metrics", "application/openmetrics-text; version=1.0.0");

        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/openmetrics-text"));
        assertThat(response.body())
                .contains("# UNIT vigil_score_batch_duration_seconds seconds")
                .contains("# UNIT vigil_score_nats nats")
                .endsWith("# EOF\n");
    }

    @Test
    void shouldAnswerHealthzWhileAlive() throws Exception {
        HttpResponse<String> response = get("/healthz", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok\n");
    }

    @Test
    void shouldSayWhyItIsNotReadyWhileRebalancing() throws Exception {
        HttpResponse<String> response = get("/readyz", null);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("not ready: REBALANCING\n");
    }

    @Test
    void shouldBeReadyInColdStartAndSaySo() throws Exception {
        readiness.set(Readiness.of(KafkaStreams.State.RUNNING, OptionalLong.empty(), Optional.empty()));

        HttpResponse<String> response = get("/readyz", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ready: RUNNING, cold start (no model yet, records are unscored)\n");
    }

    @Test
    void shouldBeReadyWithAModelAndNameItsVersion() throws Exception {
        readiness.set(Readiness.of(KafkaStreams.State.RUNNING, OptionalLong.of(3), Optional.empty()));

        HttpResponse<String> response = get("/readyz", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ready: RUNNING, model v3\n");
    }

    @Test
    void shouldReportNotReadyWhenTheReadinessCheckThrows() throws Exception {
        endpoints.close();
        endpoints = HttpEndpoints.start(HttpEndpoints.Settings.onPort(0), metrics, () -> {
            throw new IllegalStateException("streams not started");
        }, model::get);

        HttpResponse<String> response = get("/readyz", null);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).startsWith("not ready: readiness check failed").contains("streams not started");
    }

    @Test
    void shouldAnswer500WithTheReasonWhenAHandlerFails() throws Exception {
        endpoints.close();
        endpoints = HttpEndpoints.start(HttpEndpoints.Settings.onPort(0), metrics, readiness::get, () -> {
            throw new IllegalStateException("model store unavailable");
        });

        HttpResponse<String> response = get("/api/model", null);

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains("model store unavailable");
    }

    @Test
    void shouldAnswer404WithJsonWhenNoModelIsLoaded() throws Exception {
        HttpResponse<String> response = get("/api/model", null);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(new ObjectMapper().readTree(response.body()).get("error").asText()).isEqualTo("no model loaded");
    }

    @Test
    void shouldServeTheCurrentModelAsJson() throws Exception {
        model.set(new ModelInfo(3, "2025-01-01T12:00:00Z", 12_345, 41.5));

        HttpResponse<String> response = get("/api/model", null);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode json = new ObjectMapper().readTree(response.body());
        assertThat(json.get("version").asLong()).isEqualTo(3);
        assertThat(json.get("parameters").asLong()).isEqualTo(12_345);
        assertThat(json.get("threshold").asDouble()).isEqualTo(41.5);
    }

    @Test
    void shouldLinkEveryEndpointFromTheIndexPage() throws Exception {
        HttpResponse<String> response = get("/", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(response.body()).contains("href=\"metrics\"", "href=\"healthz\"", "href=\"readyz\"", "href=\"api/model\"");
    }

    @Test
    void shouldAnswer404ForUnknownPathsAnd405ForWrites() throws Exception {
        assertThat(get("/nope", null).statusCode()).isEqualTo(404);
        assertThat(get("/api/model/extra", null).statusCode()).isEqualTo(404);

        HttpResponse<String> post = client.send(
                HttpRequest.newBuilder(uri("/readyz")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    @Test
    void shouldStopServingOnClose() {
        int port = endpoints.port();
        endpoints.close();

        assertThat(port).isPositive();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                        HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
    }

    @Test
    void shouldAnswerHealthzWhileOtherRequestsStall() throws Exception {
        // A request timeout far beyond the test: the answer must not come from the stalled requests being cut.
        restart(new HttpEndpoints.Settings(null, 0, Duration.ofHours(1)));
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < STALLED_REQUESTS; i++) {
                stalled.add(stalledRequest());
            }
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(uri("/healthz")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(stalled).as("the stalled requests are still waiting, not cut").allMatch(HttpEndpointsTest::isOpen);
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    @Test
    void shouldCloseARequestThatIsNotCompleteWithinTheRequestTimeout() throws Exception {
        restart(new HttpEndpoints.Settings(null, 0, Duration.ofMillis(500)));
        try (Socket stalled = stalledRequest()) {
            Await.until("the server to close a request whose headers never end", Duration.ofSeconds(30),
                    () -> !isOpen(stalled));
        }
        assertThat(get("/healthz", null).statusCode()).as("requests in time are still answered").isEqualTo(200);
    }

    @Test
    void shouldServeOnlyOnTheConfiguredBindAddress() throws Exception {
        InetAddress other = nonLoopbackAddress();
        assumeTrue(other != null, "this machine has no non-loopback address to check against");
        VigilConfig config = VigilConfig.of(Map.of(VigilConfig.HTTP_BIND_ADDRESS, "127.0.0.1"));
        restart(new HttpEndpoints.Settings(config.getString(VigilConfig.HTTP_BIND_ADDRESS), 0,
                HttpEndpoints.Settings.DEFAULT_REQUEST_TIMEOUT));

        assertThat(get("/healthz", null).statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> new Socket(other, endpoints.port()).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void shouldServeOnEveryInterfaceByDefault() throws Exception {
        InetAddress other = nonLoopbackAddress();
        assumeTrue(other != null, "this machine has no non-loopback address to check against");

        try (Socket socket = new Socket(other, endpoints.port())) {
            assertThat(socket.isConnected()).isTrue();
        }
    }

    @Test
    void shouldSayTheKafkaClusterIsUnreachableThoughKafkaStreamsIsRunning() throws Exception {
        readiness.set(Readiness.of(KafkaStreams.State.RUNNING, OptionalLong.of(3),
                Optional.of("Kafka cluster unreachable for 12 s (last error: TimeoutException: timed out)")));

        HttpResponse<String> response = get("/readyz", null);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("not ready: Kafka cluster unreachable for 12 s "
                + "(last error: TimeoutException: timed out) (Kafka Streams still says RUNNING)\n");
    }

    private void restart(HttpEndpoints.Settings settings) throws IOException {
        endpoints.close();
        endpoints = HttpEndpoints.start(settings, metrics, readiness::get, model::get);
    }

    /** A connection that sends a request's headers but never the blank line that ends them. */
    private Socket stalledRequest() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), endpoints.port());
        socket.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    /** Open while a read waits for data; closed when the server ended the connection. */
    private static boolean isOpen(Socket socket) {
        try {
            socket.setSoTimeout(200);
            return socket.getInputStream().read() >= 0;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static InetAddress nonLoopbackAddress() throws SocketException {
        return NetworkInterface.networkInterfaces()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .findFirst().orElse(null);
    }

    private HttpResponse<String> get(String path, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        if (accept != null) {
            request.header("Accept", accept);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + endpoints.port() + path);
    }
}
