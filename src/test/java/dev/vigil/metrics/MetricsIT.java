package dev.vigil.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.config.VigilConfig;
import dev.vigil.demo.DemoRunner;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.VaeConfig;
import dev.vigil.service.VigilService;
import dev.vigil.testsupport.Await;
import dev.vigil.testsupport.KafkaBroker;
import dev.vigil.testsupport.TestRecords;
import dev.vigil.train.ModelTrainer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Vigil on the embedded broker with traffic: /metrics counts what happened to every record. */
@ExtendWith(KafkaBroker.class)
class MetricsIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern OUTCOME = Pattern.compile("^vigil_records_total\\{(.*)} (\\S+)$", Pattern.MULTILINE);

    @TempDir
    Path dir;

    @Test
    void shouldCountEveryRecordByOutcomeOnTheMetricsEndpoint() throws Exception {
        FeatureSpec spec = DemoRunner.spec();
        String input = KafkaBroker.createTopic("metrics-in", 1);
        String prefix = KafkaBroker.uniqueName("metrics");
        Path model = dir.resolve("model.vigil");
        trainModel(spec).save(model);

        Map<String, String> settings = new HashMap<>();
        settings.put("kafka.bootstrap.servers", KafkaBroker.bootstrapServers());
        settings.put("kafka.application.id", prefix);
        settings.put("kafka.commit.interval.ms", "200");
        settings.put(VigilConfig.INPUT_TOPICS, input);
        settings.putAll(dev.vigil.it.Pipeline.outputTopics(prefix));
        settings.put(VigilConfig.MODEL_FILE, model.toString());
        settings.put(VigilConfig.STATE_DIR, dir.resolve("state").toString());
        settings.put(VigilConfig.HTTP_PORT, "0");

        try (VigilService service = new VigilService(VigilConfig.of(settings), spec)) {
            service.start();
            String metricsUrl = "http://127.0.0.1:" + service.httpPort() + "/metrics";
            Map<String, Double> before = outcomes(scrape(metricsUrl), input);
            assertThat(before).as("all four outcomes exist at 0 from the start")
                    .containsOnlyKeys("normal", "anomaly", "unscored", "dead_letter")
                    .allSatisfy((k, v) -> assertThat(v).isZero());
            Await.until("model v1 loaded", Duration.ofSeconds(60), () -> service.models().currentVersion() == 1);

            List<GeneratedRecord> records = TrafficGenerator.generate(TrafficGenerator.Options.defaults()
                    .withSeed(3).withAnomalyRate(0.02).withMalformedRate(0.02), 3000);
            TestRecords.produce(KafkaBroker.bootstrapServers(),
                    records.stream().map(r -> new ProducerRecord<>(input, null, null, r.key(), r.value(), r.headers())).toList());
            long malformed = records.stream().filter(GeneratedRecord::isMalformed).count();

            Map<String, Double> after = Await.until("every record counted", Duration.ofSeconds(90),
                    () -> outcomes(scrape(metricsUrl), input),
                    m -> m.values().stream().mapToDouble(Double::doubleValue).sum() >= records.size());
            assertThat(after.values().stream().mapToDouble(Double::doubleValue).sum()).isEqualTo(records.size());
            assertThat(after.get("dead_letter")).isEqualTo(malformed);
            assertThat(after.get("unscored")).isZero();
            assertThat(after.get("normal")).isGreaterThan(records.size() * 0.8);
            assertThat(after.get("anomaly")).isPositive();

            String text = scrape(metricsUrl);
            assertThat(text).contains("vigil_model_version 1.0", "vigil_score_batch_size_records_count",
                    "vigil_score_threshold_nats", "vigil_dead_letters_total{reason=");
            assertThat(status("http://127.0.0.1:" + service.httpPort() + "/readyz")).isEqualTo(200);
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + "/api/model")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).contains("\"version\" : 1");
        }
    }

    private static ModelBundle trainModel(FeatureSpec spec) throws Exception {
        double[][] rows = TrafficGenerator.features(spec, TrafficGenerator.generate(TrafficGenerator.Options.defaults()
                .withSeed(99).withAnomalyRate(0).withMalformedRate(0), 4000));
        return ModelTrainer.train(spec, rows, VaeConfig.defaults(spec).withEpochs(30), CalibrationSettings.defaults(),
                (e, t, v, s) -> { }).bundle();
    }

    private static String scrape(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static int status(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The {@code vigil_records_total} series of one topic, by outcome. */
    private static Map<String, Double> outcomes(String text, String topic) {
        Map<String, Double> byOutcome = new HashMap<>();
        Matcher m = OUTCOME.matcher(text);
        while (m.find()) {
            String labels = m.group(1);
            if (labels.contains("topic=\"" + topic + "\"")) {
                Matcher outcome = Pattern.compile("outcome=\"([a-z_]+)\"").matcher(labels);
                if (outcome.find()) {
                    byOutcome.put(outcome.group(1), Double.parseDouble(m.group(2)));
                }
            }
        }
        return byOutcome;
    }
}
