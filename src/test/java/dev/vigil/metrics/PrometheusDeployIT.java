package dev.vigil.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.vigil.score.Outcome;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * deploy/ against a real Prometheus (Debian's {@code prometheus} package; run
 * {@code .ci/install-deploy-tools.sh} first). A {@link VigilMetrics} fed by a synthetic traffic thread
 * is served by {@link HttpEndpoints}; a Prometheus server scrapes it every second with
 * deploy/prometheus/alerts.yml loaded; then every PromQL expression of the Grafana dashboard and of
 * the alert rules runs through Prometheus' HTTP API.
 *
 * <p>Consumer lag and Kafka Streams series exist only with a Kafka Streams client; here they come
 * from a fake Kafka metrics map bound through {@link VigilMetrics#bindKafka}, shaped like the
 * metrics of Kafka 4.3 clients (VigilMetricsTest covers that mapping). The panels reading them
 * therefore prove the query and the exposition, not real Kafka values.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusDeployIT {

    private static final Logger LOG = LoggerFactory.getLogger(PrometheusDeployIT.class);
    private static final Path DEPLOY = Path.of("deploy");
    private static final String JOB = "vigil";
    private static final List<String> INPUT_TOPICS = List.of("vigil-input", "vigil-input-b");
    /** Grafana macros and template variables, replaced as Grafana would on a 1 h dashboard. */
    private static final Map<String, String> SUBSTITUTIONS = Map.of(
            "$__rate_interval", "1m",
            "$__interval", "1m",
            "$__range", "1h",
            "$job", JOB,
            "$topic", ".*");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final AtomicBoolean feeding = new AtomicBoolean(true);

    @TempDir
    static Path work;

    private String prometheusBinary;
    private String promtoolBinary;
    private VigilMetrics metrics;
    private HttpEndpoints endpoints;
    private Thread feeder;
    private Process prometheus;
    private URI prometheusUri;

    @BeforeAll
    void startVigilAndPrometheus() throws Exception {
        prometheusBinary = onPath("prometheus").orElse(null);
        promtoolBinary = onPath("promtool").orElse(null);
        if (prometheusBinary == null || promtoolBinary == null) {
            fail("prometheus and promtool must be on the PATH for this test: run .ci/install-deploy-tools.sh "
                    + "(installs Debian's prometheus package) and run the test again");
        }

        metrics = new VigilMetrics();
        INPUT_TOPICS.forEach(metrics::registerInputTopic);
        metrics.bindKafka(fakeKafkaMetrics(), () -> KafkaStreams.State.RUNNING);
        endpoints = HttpEndpoints.start(0, metrics, () -> Readiness.ready("RUNNING, model v1"), () -> null);
        feeder = new Thread(this::feedTraffic, "fake-topology");
        feeder.setDaemon(true);
        feeder.start();

        startPrometheus();
        awaitTrue("Vigil target up in Prometheus", Duration.ofSeconds(60),
                () -> instantValues("up{job=\"" + JOB + "\"}").equals(List.of(1.0)));
        // rate() needs two samples in its window; a few more make the numbers steadier.
        awaitTrue("five scrapes of Vigil", Duration.ofSeconds(60),
                () -> instantValues("count_over_time(up{job=\"" + JOB + "\"}[1m])").stream().anyMatch(n -> n >= 5));
    }

    @AfterAll
    void stopAll() throws InterruptedException {
        feeding.set(false);
        if (feeder != null) {
            feeder.join(5_000);
        }
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        if (endpoints != null) {
            endpoints.close();
        }
    }

    @Test
    void everyDashboardPanelQueryShouldParseAndReturnData() throws Exception {
        JsonNode dashboard = json.readTree(DEPLOY.resolve("grafana/vigil.json").toFile());
        List<JsonNode> panels = new ArrayList<>();
        collectPanels(dashboard.get("panels"), panels);
        assertThat(panels).hasSizeGreaterThanOrEqualTo(6);

        StringBuilder report = new StringBuilder("| panel | query | values |\n|---|---|---|\n");
        List<String> problems = new ArrayList<>();
        for (JsonNode panel : panels) {
            assertThat(panel.get("targets")).as("targets of panel %s", panel.get("title")).isNotEmpty();
            for (JsonNode target : panel.get("targets")) {
                String expr = substitute(target.get("expr").asText());
                JsonNode response = query(expr);
                String title = panel.get("title").asText();
                if (!"success".equals(response.path("status").asText())) {
                    problems.add(title + ": " + expr + " -> " + response);
                    continue;
                }
                JsonNode result = response.path("data").path("result");
                String values = describe(result);
                report.append("| ").append(title).append(" | `").append(expr).append("` | ").append(values).append(" |\n");
                if (result.isEmpty()) {
                    problems.add(title + ": no data for " + expr);
                }
                for (JsonNode series : result) {
                    double v = Double.parseDouble(series.path("value").path(1).asText());
                    if (!Double.isFinite(v)) {
                        problems.add(title + ": non-finite value " + series + " for " + expr);
                    }
                }
            }
        }
        Path table = Path.of("target", "prometheus-deploy-it-panels.md");
        Files.createDirectories(table.getParent());
        Files.writeString(table, report);
        LOG.info("Dashboard queries against Prometheus:\n{}", report);
        assertThat(problems).isEmpty();
    }

    @Test
    void dashboardQueriesShouldShowWhatTheFeederSent() {
        // Throughput: one series per outcome, all four present, and anomalies are a small share.
        assertThat(instantLabels("sum by (outcome) (rate(vigil_records_total{job=\"vigil\"}[1m]))", "outcome"))
                .containsExactlyInAnyOrder("normal", "anomaly", "unscored", "dead_letter");
        assertThat(instantValues(substitute("max(vigil_score_threshold_nats{job=~\"$job\"})"))).containsExactly(60.0);
        assertThat(instantValues(substitute("max(vigil_model_version{job=~\"$job\"})"))).containsExactly(1.0);
        assertThat(instantValues("sum(vigil_consumer_lag_records{job=\"vigil\"})")).singleElement()
                .satisfies(lag -> assertThat(lag).isPositive());
    }

    @Test
    void everyAlertRuleShouldParseEvaluateAndBeLoadedByPrometheus() throws Exception {
        JsonNode rules = new YAMLMapper().readTree(DEPLOY.resolve("prometheus/alerts.yml").toFile());
        List<String> exprs = new ArrayList<>();
        for (JsonNode group : rules.get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                exprs.add(rule.get("expr").asText());
            }
        }
        assertThat(exprs).hasSizeGreaterThanOrEqualTo(6);
        for (String expr : exprs) {
            JsonNode response = query(expr);
            assertThat(response.path("status").asText()).as("%s -> %s", expr, response).isEqualTo("success");
        }

        // Prometheus loaded the same file through rule_files and evaluates every rule without error.
        awaitTrue("every rule evaluated", Duration.ofSeconds(30), () -> loadedRules().stream()
                .allMatch(rule -> rule.hasNonNull("lastEvaluation") && !rule.path("lastEvaluation").asText().startsWith("0001")));
        List<JsonNode> loaded = loadedRules();
        assertThat(loaded).hasSize(exprs.size());
        assertThat(loaded).allSatisfy(rule -> assertThat(rule.path("health").asText())
                .as("%s: %s", rule.path("name").asText(), rule.path("lastError").asText()).isEqualTo("ok"));
        // The feeder keeps traffic flowing, a model loaded and training succeeding: nothing should fire.
        assertThat(loaded).filteredOn(rule -> rule.path("state").asText().equals("firing"))
                .extracting(rule -> rule.path("name").asText()).isEmpty();
    }

    @Test
    void promtoolShouldAcceptTheRulesAndTheConfig() throws Exception {
        assertThat(run(promtoolBinary, "check", "rules", DEPLOY.resolve("prometheus/alerts.yml").toString())).isZero();

        // prometheus.yml names alerts.yml relative to itself, as in the compose stack: copy both.
        Path dir = Files.createDirectories(work.resolve("check-config"));
        Files.copy(DEPLOY.resolve("prometheus/prometheus.yml"), dir.resolve("prometheus.yml"));
        Files.copy(DEPLOY.resolve("prometheus/alerts.yml"), dir.resolve("alerts.yml"));
        assertThat(run(promtoolBinary, "check", "config", dir.resolve("prometheus.yml").toString())).isZero();
    }

    // ---------------------------------------------------------------- Prometheus

    private void startPrometheus() throws Exception {
        Path rules = DEPLOY.resolve("prometheus/alerts.yml").toAbsolutePath();
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            Path config = work.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    rule_files:
                      - "%s"
                    scrape_configs:
                      - job_name: %s
                        static_configs:
                          - targets: ["127.0.0.1:%d"]
                    """.formatted(rules, JOB, endpoints.port()));
            File log = work.resolve("prometheus-" + attempt + ".log").toFile();
            prometheus = new ProcessBuilder(prometheusBinary,
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + work.resolve("data-" + attempt),
                    "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true)
                    .redirectOutput(log)
                    .start();
            prometheusUri = URI.create("http://127.0.0.1:" + port);
            try {
                awaitTrue("Prometheus ready", Duration.ofSeconds(30), () -> {
                    if (!prometheus.isAlive()) {
                        throw new IllegalStateException("prometheus exited");
                    }
                    return get(prometheusUri.resolve("/-/ready")).statusCode() == 200;
                });
                return;
            } catch (IllegalStateException | AssertionError e) {
                prometheus.destroyForcibly();
                // A port taken between picking and binding is the usual reason; try another one.
                if (attempt == 3) {
                    fail("Prometheus did not start; its log:\n" + Files.readString(log.toPath()), e);
                }
            }
        }
    }

    private JsonNode query(String promql) {
        try {
            HttpResponse<String> response = get(prometheusUri.resolve(
                    "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)));
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("query failed: " + promql, e);
        }
    }

    private List<Double> instantValues(String promql) {
        List<Double> values = new ArrayList<>();
        query(promql).path("data").path("result")
                .forEach(series -> values.add(Double.parseDouble(series.path("value").path(1).asText())));
        return values;
    }

    private List<String> instantLabels(String promql, String label) {
        List<String> values = new ArrayList<>();
        query(promql).path("data").path("result").forEach(series -> values.add(series.path("metric").path(label).asText()));
        return values;
    }

    private List<JsonNode> loadedRules() {
        try {
            JsonNode body = json.readTree(get(prometheusUri.resolve("/api/v1/rules")).body());
            List<JsonNode> rules = new ArrayList<>();
            body.path("data").path("groups").forEach(group -> group.path("rules").forEach(rules::add));
            return rules;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private HttpResponse<String> get(URI uri) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    // ---------------------------------------------------------------- the fake topology

    /** Traffic of every kind at ~2k records/s: a steady trickle is all the rates need. */
    private void feedTraffic() {
        Random random = new Random(42);
        long start = System.currentTimeMillis();
        metrics.setModel(1, start - 3_600_000, 12_345);
        metrics.setThreshold(60.0);
        metrics.trainingRun("promoted", 14.2, 31.5, 33.0);
        metrics.trainingRun("rejected", 12.9, 31.1, 34.2);
        metrics.trainingRun("failed", 0.8, Double.NaN, Double.NaN);
        metrics.setWindowSize(50_000);
        String[] severities = {"low", "medium", "high"};
        String[] reasons = {"not_json", "missing_field", "non_finite"};
        int batch = 0;
        while (feeding.get()) {
            String topic = INPUT_TOPICS.get(batch % INPUT_TOPICS.size());
            int size = 16 + random.nextInt(48);
            metrics.observeBatch(size, 0.0002 + random.nextDouble() * 0.0008);
            for (int i = 0; i < size; i++) {
                double u = random.nextDouble();
                if (u < 0.01) {
                    metrics.recordOutcome(topic, Outcome.DEAD_LETTER);
                    metrics.deadLetter(reasons[random.nextInt(reasons.length)]);
                    continue;
                }
                if (u < 0.03) {
                    metrics.recordOutcome(topic, Outcome.UNSCORED);
                    continue;
                }
                boolean anomaly = u < 0.05;
                double score = anomaly ? 120 + 80 * random.nextDouble() : 30 + 8 * random.nextGaussian();
                metrics.observeScore(score);
                metrics.recordOutcome(topic, anomaly ? Outcome.ANOMALY : Outcome.NORMAL);
                metrics.observeEndToEndLatency(0.004 + 0.01 * random.nextDouble());
                if (anomaly) {
                    String severity = severities[random.nextInt(severities.length)];
                    metrics.alert(severity);
                    if (random.nextInt(4) == 0) {
                        metrics.incident(severity);
                    }
                }
            }
            if (++batch % 200 == 0) {
                metrics.trainingRun("rejected", 10 + random.nextDouble(), 31 + random.nextDouble(), 34 + random.nextDouble());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Metrics shaped like a Kafka 4.3 Streams client's, with a lag that moves between scrapes. */
    private java.util.function.Supplier<Map<MetricName, Metric>> fakeKafkaMetrics() {
        long start = System.nanoTime();
        return () -> {
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<MetricName, Metric> m = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                VigilMetricsTest.put(m, "consumer-fetch-manager-metrics", "records-lag", 100 + p * 10 + (int) seconds % 7,
                        "client-id", "vigil-0f1e-StreamThread-1-consumer", "topic", "vigil-input", "partition", "" + p);
            }
            VigilMetricsTest.put(m, "stream-metrics", "alive-stream-threads", 1, "client-id", "vigil-0f1e");
            VigilMetricsTest.put(m, "stream-metrics", "failed-stream-threads", 0, "client-id", "vigil-0f1e");
            VigilMetricsTest.put(m, "stream-thread-metrics", "process-total", 1000 * seconds, "thread-id", "vigil-0f1e-StreamThread-1");
            for (String activity : List.of("process", "poll", "commit", "punctuate")) {
                VigilMetricsTest.put(m, "stream-thread-metrics", activity + "-ratio", 0.2, "thread-id", "vigil-0f1e-StreamThread-1");
            }
            VigilMetricsTest.put(m, "stream-thread-metrics", "commit-latency-avg", 3.5, "thread-id", "vigil-0f1e-StreamThread-1");
            return m;
        };
    }

    // ---------------------------------------------------------------- helpers

    private static void collectPanels(JsonNode panels, List<JsonNode> into) {
        for (JsonNode panel : panels) {
            if (panel.path("type").asText().equals("row")) {
                collectPanels(panel.path("panels"), into); // collapsed rows hold their panels
            } else {
                into.add(panel);
            }
        }
    }

    static String substitute(String expr) {
        String out = expr;
        // Longest first, so that $__rate_interval is not eaten by a shorter macro.
        List<String> keys = new ArrayList<>(SUBSTITUTIONS.keySet());
        keys.sort((a, b) -> b.length() - a.length());
        for (String key : keys) {
            out = out.replace("${" + key.substring(1) + "}", SUBSTITUTIONS.get(key)).replace(key, SUBSTITUTIONS.get(key));
        }
        assertThat(out).as("unsubstituted variable in %s", expr).doesNotContain("$");
        return out;
    }

    private static String describe(JsonNode result) {
        if (result.isEmpty()) {
            return "(no data)";
        }
        List<String> parts = new ArrayList<>();
        for (JsonNode series : result) {
            Map<String, String> labels = new java.util.TreeMap<>();
            series.path("metric").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            double v = Double.parseDouble(series.path("value").path(1).asText());
            String value = String.format(java.util.Locale.ROOT, "%.4g", v);
            parts.add(labels.isEmpty() ? value : labels.toString().replace("{", "").replace("}", "") + ": " + value);
        }
        return String.join("; ", parts);
    }

    private int run(String... command) throws Exception {
        File log = Files.createTempFile(work, "cmd", ".log").toFile();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in 60 s");
        }
        LOG.info("{} -> exit {}\n{}", String.join(" ", command), process.exitValue(), Files.readString(log.toPath()));
        return process.exitValue();
    }

    static Optional<String> onPath(String binary) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, binary);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate.toString());
            }
        }
        return Optional.empty();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void awaitTrue(String what, Duration timeout, BooleanSupplierWithIo condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (IOException e) {
                last = e; // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what, last);
    }

    @FunctionalInterface
    private interface BooleanSupplierWithIo {
        boolean getAsBoolean() throws IOException;
    }
}
