package dev.vigil.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.score.Outcome;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

class VigilMetricsTest {

    private static final Instant NOW = Instant.parse("2025-01-01T12:00:00Z");

    private final VigilMetrics metrics = new VigilMetrics(Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void shouldExposeAllFourOutcomesAtZeroOnceAnInputTopicIsRegistered() {
        metrics.registerInputTopic("payments");

        String text = scrape(metrics);

        for (String outcome : new String[] {"normal", "anomaly", "unscored", "dead_letter"}) {
            assertThat(text).contains("vigil_records_total{outcome=\"" + outcome + "\",topic=\"payments\"} 0.0");
        }
    }

    @Test
    void shouldCountOutcomesPerTopic() {
        metrics.registerInputTopic("a");
        metrics.recordOutcome("a", Outcome.NORMAL);
        metrics.recordOutcome("a", Outcome.NORMAL);
        metrics.recordOutcomes("a", Outcome.ANOMALY, 3);
        metrics.recordOutcome("b", Outcome.DEAD_LETTER);

        String text = scrape(metrics);

        assertThat(text)
                .contains("vigil_records_total{outcome=\"normal\",topic=\"a\"} 2.0")
                .contains("vigil_records_total{outcome=\"anomaly\",topic=\"a\"} 3.0")
                .contains("vigil_records_total{outcome=\"dead_letter\",topic=\"b\"} 1.0")
                // A topic first seen through a record still gets all four series.
                .contains("vigil_records_total{outcome=\"unscored\",topic=\"b\"} 0.0");
    }

    @Test
    void shouldCountTheContextEntitiesOfEveryTaskOnceAndForgetAClosedTask() {
        metrics.setContextEntities("1_0", 120);
        metrics.setContextEntities("1_1", 30);
        metrics.setContextEntities("1_0", 100);
        assertThat(scrape(metrics)).contains("vigil_context_entities 130.0");

        metrics.setContextEntities("1_1", 0); // the task moved to another instance
        assertThat(scrape(metrics)).contains("vigil_context_entities 100.0");
    }

    @Test
    void shouldReportColdStartAsVersionZeroWithoutAge() {
        String text = scrape(metrics);

        assertThat(text).contains("vigil_model_version 0.0")
                .doesNotContain("vigil_model_age_seconds ")
                .doesNotContain("vigil_score_threshold_nats ");
    }

    @Test
    void shouldComputeModelAgeWhenScraped() {
        AtomicReference<Instant> now = new AtomicReference<>(NOW);
        VigilMetrics ticking = new VigilMetrics(new Clock() {
            @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public Instant instant() { return now.get(); }
        });
        ticking.setModel(3, NOW.minusSeconds(60).toEpochMilli(), 12_345);

        assertThat(scrape(ticking))
                .contains("vigil_model_version 3.0")
                .contains("vigil_model_age_seconds 60.0")
                .contains("vigil_model_parameters 12345.0");

        now.set(NOW.plusSeconds(90));
        assertThat(scrape(ticking)).contains("vigil_model_age_seconds 150.0");
    }

    @Test
    void shouldCountTrainingRunsByResultAndKeepLastLosses() {
        assertThat(scrape(metrics))
                .contains("vigil_training_runs_total{result=\"promoted\"} 0.0")
                .contains("vigil_training_runs_total{result=\"rejected\"} 0.0")
                .contains("vigil_training_runs_total{result=\"failed\"} 0.0")
                .doesNotContain("vigil_training_last_success_timestamp_seconds ");

        metrics.trainingRun("promoted", 12.5, 31.0, 33.0);
        metrics.trainingRun("failed", 2.0, Double.NaN, Double.NaN);

        assertThat(scrape(metrics))
                .contains("vigil_training_runs_total{result=\"promoted\"} 1.0")
                .contains("vigil_training_runs_total{result=\"failed\"} 1.0")
                .contains("vigil_training_duration_seconds_count 2")
                .contains("vigil_training_loss_nats{split=\"train\"} 31.0")
                .contains("vigil_training_loss_nats{split=\"validation\"} 33.0")
                .contains("vigil_training_last_success_timestamp_seconds " + (double) NOW.getEpochSecond());
    }

    @Test
    void shouldRefuseUnknownTrainingResult() {
        assertThatThrownBy(() -> metrics.trainingRun("succeeded", 1, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("promoted");
    }

    @Test
    void shouldLabelAlertsByTheSeverityOnTheWire() {
        metrics.alert(dev.vigil.calibration.Severity.CRITICAL);
        metrics.alert(dev.vigil.calibration.Severity.CRITICAL);
        metrics.alert(dev.vigil.calibration.Severity.LOW);

        String text = scrape(metrics);

        assertThat(text).contains("vigil_alerts_total{severity=\"critical\"} 2.0")
                .contains("vigil_alerts_total{severity=\"low\"} 1.0");
        assertThat(text.lines().filter(l -> l.startsWith("vigil_alerts_total{"))).hasSize(2);
    }

    @Test
    void shouldObserveScoresBatchesAndLatency() {
        metrics.setThreshold(42.5);
        metrics.observeScore(10);
        metrics.observeScore(Double.NaN);
        metrics.observeBatch(256, 0.0004);
        metrics.observeEndToEndLatency(0.012);
        metrics.observeBufferWait(0.003);
        metrics.observeBufferWait(-0.001);
        metrics.deadLetter("not_json");
        metrics.incident(dev.vigil.calibration.Severity.HIGH);
        metrics.setWindowSize(50_000, 400);

        assertThat(scrape(metrics))
                .contains("vigil_score_threshold_nats 42.5")
                .contains("vigil_score_nats_count 1")
                .contains("vigil_score_batch_size_records_bucket{le=\"256.0\"} 1")
                .contains("vigil_score_batch_size_records_bucket{le=\"128.0\"} 0")
                .contains("vigil_score_batch_duration_seconds_sum 4.0E-4")
                .contains("vigil_end_to_end_latency_seconds_bucket{le=\"0.015\"} 1")
                .contains("vigil_score_buffer_wait_seconds_bucket{le=\"0.005\"} 2")
                .contains("vigil_score_buffer_wait_seconds_bucket{le=\"0.0025\"} 1")
                .contains("vigil_dead_letters_total{reason=\"not_json\"} 1.0")
                .contains("vigil_incidents_total{severity=\"high\"} 1.0")
                .contains("vigil_training_window_size_records 50000.0")
                .contains("vigil_training_window_calibration_only_records 400.0");
    }

    @Test
    void shouldExposeLagOfInputPartitionsFromTheMainConsumersOnly() {
        Map<MetricName, Metric> kafka = new HashMap<>();
        put(kafka, "consumer-fetch-manager-metrics", "records-lag", 7,
                "client-id", "vigil-1a2b-StreamThread-1-consumer", "topic", "sensor.readings", "partition", "0");
        // Kafka also reports a dotted topic under its deprecated underscore name: not a second topic.
        put(kafka, "consumer-fetch-manager-metrics", "records-lag", 7,
                "client-id", "vigil-1a2b-StreamThread-1-consumer", "topic", "sensor_readings", "partition", "0");
        put(kafka, "consumer-fetch-manager-metrics", "records-lag", 3,
                "client-id", "vigil-1a2b-StreamThread-2-consumer", "topic", "sensor.readings", "partition", "1");
        put(kafka, "consumer-fetch-manager-metrics", "records-lag", 900,
                "client-id", "vigil-1a2b-StreamThread-1-restore-consumer", "topic", "vigil-window-changelog", "partition", "0");
        put(kafka, "consumer-fetch-manager-metrics", "records-lag", 5,
                "client-id", "vigil-1a2b-global-consumer", "topic", "vigil-models", "partition", "0");
        put(kafka, "consumer-fetch-manager-metrics", "records-lag", Double.NaN,
                "client-id", "vigil-1a2b-StreamThread-2-consumer", "topic", "sensor.readings", "partition", "2");
        metrics.bindKafka(() -> kafka, () -> KafkaStreams.State.RUNNING);

        String text = scrape(metrics);

        assertThat(text.lines().filter(l -> l.startsWith("vigil_consumer_lag_records{")))
                .containsExactlyInAnyOrder(
                        "vigil_consumer_lag_records{partition=\"0\",topic=\"sensor.readings\"} 7.0",
                        "vigil_consumer_lag_records{partition=\"1\",topic=\"sensor.readings\"} 3.0");
    }

    @Test
    void shouldExposeStreamsStateAndThreadMetricsReadAtScrapeTime() {
        Map<MetricName, Metric> kafka = new HashMap<>();
        put(kafka, "stream-metrics", "alive-stream-threads", 2, "client-id", "vigil-1a2b");
        put(kafka, "stream-metrics", "failed-stream-threads", 1, "client-id", "vigil-1a2b");
        put(kafka, "stream-thread-metrics", "process-total", 1000, "thread-id", "vigil-1a2b-StreamThread-1");
        put(kafka, "stream-thread-metrics", "process-ratio", 0.25, "thread-id", "vigil-1a2b-StreamThread-1");
        put(kafka, "stream-thread-metrics", "commit-latency-avg", 4.0, "thread-id", "vigil-1a2b-StreamThread-1");
        AtomicReference<KafkaStreams.State> state = new AtomicReference<>(KafkaStreams.State.REBALANCING);
        metrics.bindKafka(() -> kafka, state::get);

        assertThat(scrape(metrics))
                .contains("vigil_streams_state{state=\"REBALANCING\"} 1.0")
                .contains("vigil_streams_state{state=\"RUNNING\"} 0.0")
                .contains("vigil_streams_alive_threads 2.0")
                .contains("vigil_streams_failed_threads_total 1.0")
                .contains("vigil_streams_processed_records_total{thread=\"StreamThread-1\"} 1000.0")
                .contains("vigil_streams_thread_time_ratio{activity=\"process\",thread=\"StreamThread-1\"} 0.25")
                .contains("vigil_streams_commit_latency_avg_seconds{thread=\"StreamThread-1\"} 0.004");

        state.set(KafkaStreams.State.RUNNING);
        assertThat(scrape(metrics)).contains("vigil_streams_state{state=\"RUNNING\"} 1.0");
    }

    @Test
    void shouldKeepEachInstanceInItsOwnRegistryWithJvmMetrics() {
        VigilMetrics other = new VigilMetrics();
        other.recordOutcome("only-here", Outcome.NORMAL);

        assertThat(scrape(metrics)).doesNotContain("only-here").contains("jvm_memory_used_bytes");
        assertThat(scrape(other)).contains("only-here").contains("jvm_memory_used_bytes");
    }

    static String scrape(VigilMetrics metrics) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A Kafka metric with a fixed value, as {@code KafkaStreams.metrics()} would hold it. */
    private static void put(Map<MetricName, Metric> into, String group, String name, double value, String... tags) {
        Map<String, String> tagMap = new HashMap<>();
        for (int i = 0; i < tags.length; i += 2) {
            tagMap.put(tags[i], tags[i + 1]);
        }
        MetricName metricName = new MetricName(name, group, "", tagMap);
        into.put(metricName, new Metric() {
            @Override public MetricName metricName() { return metricName; }
            @Override public Object metricValue() { return value; }
        });
    }
}
