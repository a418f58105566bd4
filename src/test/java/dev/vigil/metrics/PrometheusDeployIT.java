package dev.vigil.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.vigil.config.VigilConfig;
import dev.vigil.demo.DemoRunner;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.it.Pipeline;
import dev.vigil.score.ModelHolder;
import dev.vigil.service.VigilService;
import dev.vigil.testsupport.Await;
import dev.vigil.testsupport.ExternalTools;
import dev.vigil.testsupport.RequiresTools;
import dev.vigil.testsupport.KafkaBroker;
import dev.vigil.testsupport.TestRecords;
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
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * deploy/ against a real Prometheus (Debian's {@code prometheus} package; run
 * {@code .ci/install-deploy-tools.sh} first) scraping a real, running Vigil.
 *
 * <p>A {@link VigilService} runs on the embedded test broker ({@link KafkaBroker}) from cold start,
 * while generated traffic ({@link TrafficGenerator}: 2% injected anomalies, 1% malformed records)
 * is produced into its input topic at about 300 records/s with the producer's clock as event time,
 * so end-to-end latencies are real. The small cold start (1,500 records, every record sampled, 20
 * epochs) trains and promotes model v1 during the test, so the training panels (runs, losses, window
 * size) and the model panels show a real run; after it, records are scored, flagged, alerted on
 * and dead-lettered. Consumer lag and the Kafka Streams series come from the service's own Kafka
 * Streams client. Prometheus scrapes Vigil's {@code /metrics} every second with
 * deploy/prometheus/alerts.yml loaded; then every PromQL expression of the Grafana dashboard (its
 * macros and variables replaced by fixed values) and of the alert rules runs through Prometheus'
 * HTTP API: each must parse, and each dashboard query must return finite data. The panels, their
 * queries and the values returned are logged in one block (and written to
 * target/prometheus-deploy-it-panels.md). {@code promtool check rules} and {@code check config}
 * must accept the files.
 *
 * <p>What it cannot show in a minute: alert rules with a {@code for:} clause never fire, so for
 * those the test proves that Prometheus loads and evaluates them without error, not their firing.
 */
@ExtendWith(KafkaBroker.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@RequiresTools(value = {"prometheus", "promtool"}, install = "apt-get install prometheus")
class PrometheusDeployIT {

    private static final Logger LOG = LoggerFactory.getLogger(PrometheusDeployIT.class);
    private static final Path DEPLOY = Path.of("deploy");
    private static final String JOB = "vigil";
    private static final int INPUT_PARTITIONS = 2;
    /** Records produced every {@link #TRAFFIC_PERIOD}: about 300 records/s, a steady load for two cores. */
    private static final int TRAFFIC_BATCH = 150;
    private static final Duration TRAFFIC_PERIOD = Duration.ofMillis(500);
    /** Outcomes the generated traffic (normal records, anomalies, malformed ones) must show a rate of. */
    private static final List<String> GENERATED_OUTCOMES = List.of("normal", "anomaly", "dead_letter");
    /** Grafana macros and template variables, replaced as Grafana would on a 1 h dashboard. */
    private static final Map<String, String> SUBSTITUTIONS = Map.of(
            "$__rate_interval", "1m",
            "$__interval", "1m",
            "$__range", "1h",
            "$job", JOB,
            "$topic", ".*");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final ScheduledExecutorService producer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "traffic");
        t.setDaemon(true);
        return t;
    });

    @TempDir
    static Path work;

    private String prometheusBinary;
    private String promtoolBinary;
    private String input;
    private VigilService vigil;
    private ScheduledFuture<?> traffic;
    private Process prometheus;
    private URI prometheusUri;

    @BeforeAll
    void startVigilAndPrometheus() throws Exception {
        prometheusBinary = ExternalTools.onPath("prometheus").orElseThrow();
        promtoolBinary = ExternalTools.onPath("promtool").orElseThrow();

        Pipeline.Topics topics = Pipeline.Topics.create(INPUT_PARTITIONS);
        input = topics.input();
        Map<String, String> settings = Pipeline.config(topics, work.resolve("state"), "at_least_once");
        // A small cold start, so that a model is trained and promoted within seconds and the training panels have a run.
        settings.put(VigilConfig.TRAIN_SAMPLE_RATE, "1.0");
        settings.put(VigilConfig.TRAIN_MIN_RECORDS, "1500");
        settings.put(VigilConfig.TRAIN_EPOCHS, "20");
        // No retraining during the test: the model the assertions compare with stays the one served.
        settings.put(VigilConfig.TRAIN_RETRAIN_RECORDS, "1000000");
        // Anomalies of one host within the cooldown fold into one incident; a short one keeps incidents opening.
        settings.put(VigilConfig.COOLDOWN_MS, "2000");
        // DemoRunner's spec takes event time from the record timestamp: the producer's clock, so latencies are real.
        vigil = new VigilService(VigilConfig.of(settings), DemoRunner.spec());
        vigil.start();
        TrafficGenerator generator = new TrafficGenerator(TrafficGenerator.Options.defaults()
                .withSeed(11).withAnomalyRate(0.02).withMalformedRate(0.01));
        traffic = producer.scheduleAtFixedRate(() -> TestRecords.produce(KafkaBroker.bootstrapServers(),
                        generator.next(TRAFFIC_BATCH).stream()
                                // No timestamp: the producer stamps the send time.
                                .map(r -> new ProducerRecord<>(input, null, null, r.key(), r.value(), r.headers()))
                                .toList()),
                0, TRAFFIC_PERIOD.toMillis(), TimeUnit.MILLISECONDS);

        startPrometheus(vigil.httpPort());
        await("Vigil target up in Prometheus", Duration.ofSeconds(60),
                () -> instantValues("up{job=\"" + JOB + "\"}").equals(List.of(1.0)));
        // The cold start takes a while. rate() then needs two samples in its window; 15 s of scoring give the
        // scored-only series (scores, alerts, incidents) enough records that their rates are not a lone event's.
        await("15 scrapes of Vigil serving a model", Duration.ofSeconds(90), () -> instantValues(
                "count_over_time(vigil_model_age_seconds{job=\"" + JOB + "\"}[1m])").stream().anyMatch(n -> n >= 15));
    }

    @AfterAll
    void stopAll() throws Exception {
        producer.shutdown();
        producer.awaitTermination(10, TimeUnit.SECONDS);
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        if (vigil != null) {
            vigil.close();
        }
        assertTrafficFlowed();
    }

    @Test
    void everyDashboardPanelQueryShouldParseAndReturnData() throws Exception {
        JsonNode dashboard = json.readTree(DEPLOY.resolve("grafana/vigil.json").toFile());
        List<JsonNode> panels = new ArrayList<>();
        collectPanels(dashboard.get("panels"), panels);
        assertThat(panels).hasSizeGreaterThanOrEqualTo(6);
        panels.forEach(panel -> assertThat(panel.get("targets")).as("targets of panel %s", panel.get("title")).isNotEmpty());

        // Series that appear with the first alert or dead letter need a second scrape before rate() sees them.
        PanelResults results = Await.until("every dashboard query to return finite data", Duration.ofSeconds(30),
                () -> runPanelQueries(panels), r -> r.problems().isEmpty());
        Path table = Path.of("target", "prometheus-deploy-it-panels.md");
        Files.createDirectories(table.getParent());
        Files.writeString(table, results.table());
        LOG.info("Dashboard queries against Prometheus scraping a running Vigil:\n{}", results.table());
    }

    @Test
    void dashboardQueriesShouldShowWhatVigilDid() throws Exception {
        assertTrafficFlowed();
        // Throughput: real records of each kind the generator sends, scored by the model trained in the test.
        // The anomaly series starts with the first anomaly and rate() needs two scrapes of it: on a loaded
        // machine the first minute of scoring can end before that, so wait for it as the panel test does.
        Map<String, Double> byOutcome = Await.until("a positive rate of each outcome", Duration.ofSeconds(60), () -> {
            Map<String, Double> rates = new HashMap<>();
            query("sum by (outcome) (rate(vigil_records_total{job=\"vigil\"}[1m]))").path("data").path("result")
                    .forEach(s -> rates.put(s.path("metric").path("outcome").asText(), value(s)));
            return rates;
        }, rates -> GENERATED_OUTCOMES.stream().allMatch(o -> rates.getOrDefault(o, 0.0) > 0));
        assertThat(byOutcome).containsOnlyKeys("normal", "anomaly", "unscored", "dead_letter");
        assertThat(GENERATED_OUTCOMES).allSatisfy(o -> assertThat(byOutcome.get(o)).as(o).isPositive());
        assertThat(byOutcome.get("normal")).isGreaterThan(byOutcome.get("anomaly"));

        long version = vigil.models().currentVersion();
        double threshold;
        try (ModelHolder.Lease lease = vigil.models().acquire()) {
            threshold = lease.scorer().threshold();
        }
        assertThat(version).isEqualTo(1);
        assertThat(instantValues(substitute("max(vigil_model_version{job=~\"$job\"})"))).containsExactly((double) version);
        assertThat(instantValues(substitute("max(vigil_score_threshold_nats{job=~\"$job\"})"))).singleElement()
                .satisfies(t -> assertThat(t).isCloseTo(threshold, offset(1e-9)));
        assertThat(instantValues("sum(vigil_training_runs_total{job=\"vigil\",result=\"promoted\"})")).containsExactly(1.0);
        // Kafka's own records-lag of each input partition the stream thread consumes; a keeping-up client may be at 0.
        assertThat(instantLabels("vigil_consumer_lag_records{job=\"vigil\",topic=\"" + input + "\"}", "partition"))
                .containsExactlyInAnyOrder("0", "1");
        assertThat(instantValues("vigil_streams_state{job=\"vigil\",state=\"RUNNING\"}")).containsExactly(1.0);
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
        await("every rule evaluated", Duration.ofSeconds(30), () -> loadedRules().stream()
                .allMatch(rule -> rule.hasNonNull("lastEvaluation") && !rule.path("lastEvaluation").asText().startsWith("0001")));
        List<JsonNode> loaded = loadedRules();
        assertThat(loaded).hasSize(exprs.size());
        assertThat(loaded).allSatisfy(rule -> assertThat(rule.path("health").asText())
                .as("%s: %s", rule.path("name").asText(), rule.path("lastError").asText()).isEqualTo("ok"));
        // Rules without for: fire at once: no failed training and no dead stream thread here, so none may fire.
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

    /** The traffic task stops at its first failure; its exception says why the panels went quiet. */
    private void assertTrafficFlowed() throws InterruptedException {
        if (traffic != null && traffic.isDone() && !traffic.isCancelled()) {
            try {
                traffic.get();
            } catch (ExecutionException e) {
                throw new AssertionError("producing traffic failed", e.getCause());
            }
        }
    }

    // ---------------------------------------------------------------- Prometheus

    private void startPrometheus(int vigilPort) throws Exception {
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
                    """.formatted(rules, JOB, vigilPort));
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
                await("Prometheus ready or exited", Duration.ofSeconds(30),
                        () -> !prometheus.isAlive() || get(prometheusUri.resolve("/-/ready")).statusCode() == 200);
                if (prometheus.isAlive()) {
                    return;
                }
            } catch (AssertionError e) {
                LOG.warn("Prometheus not ready: {}", e.getMessage());
            }
            prometheus.destroyForcibly();
            // A port taken between picking and binding is the usual reason; try another one.
            if (attempt == 3) {
                fail("Prometheus did not start; its log:\n" + Files.readString(log.toPath()));
            }
        }
    }

    /** The dashboard's panels, their substituted queries and what Prometheus returned, as a Markdown table. */
    private record PanelResults(String table, List<String> problems) {
    }

    private PanelResults runPanelQueries(List<JsonNode> panels) {
        StringBuilder table = new StringBuilder("| panel | query | values |\n|---|---|---|\n");
        List<String> problems = new ArrayList<>();
        for (JsonNode panel : panels) {
            String title = panel.get("title").asText();
            for (JsonNode target : panel.get("targets")) {
                String expr = substitute(target.get("expr").asText());
                JsonNode response = query(expr);
                if (!"success".equals(response.path("status").asText())) {
                    problems.add(title + ": " + expr + " -> " + response);
                    continue;
                }
                JsonNode result = response.path("data").path("result");
                table.append("| ").append(title).append(" | `").append(expr).append("` | ").append(describe(result)).append(" |\n");
                if (result.isEmpty()) {
                    problems.add(title + ": no data for " + expr);
                }
                for (JsonNode series : result) {
                    if (!Double.isFinite(value(series))) {
                        problems.add(title + ": non-finite value " + series + " for " + expr);
                    }
                }
            }
        }
        return new PanelResults(table.toString(), problems);
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
        query(promql).path("data").path("result").forEach(series -> values.add(value(series)));
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

    /** The sample value of one series of an instant-query result. */
    private static double value(JsonNode series) {
        return Double.parseDouble(series.path("value").path(1).asText());
    }

    private static String describe(JsonNode result) {
        if (result.isEmpty()) {
            return "(no data)";
        }
        List<String> parts = new ArrayList<>();
        for (JsonNode series : result) {
            Map<String, String> labels = new java.util.TreeMap<>();
            series.path("metric").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            String value = String.format(java.util.Locale.ROOT, "%.4g", value(series));
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

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** {@link Await#until} for a condition that may throw (Prometheus or Vigil not listening yet counts as not yet). */
    private static void await(String what, Duration timeout, Callable<Boolean> condition) {
        Await.until(what, timeout, condition, Boolean::booleanValue);
    }
}
