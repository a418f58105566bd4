package dev.vigil.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The pure parts of {@code vigil bench}: which rates it offers, and the keys it reports. The runs are in {@code BenchIT}. */
class ThroughputBenchTest {

    private static final ThroughputBench.Run PASS = new ThroughputBench.Run("passthrough", 1000, 0.02, 50_000, 0, 36, 1.8, 120);
    private static final ThroughputBench.Run VIGIL = new ThroughputBench.Run("vigil", 1000, 0.04, 25_000, 0.3, 45, 1.9, 480);
    private static final ThroughputBench.Run RCF = new ThroughputBench.Run("rcf", 1000, 0.2, 5_000, 0.8, 300, 1.1, 480);
    private static final KafkaTimes TIMES = new KafkaTimes(4.2, 40, 1.5, 12, 60, 9, 7.5, 2.25, Double.NaN);

    private static LatencyPoint point(double rate, double vigilP99) {
        return new LatencyPoint(rate, new LatencyPoint.App(900, 0, 3, 9, 12, TIMES), new LatencyPoint.App(900, 1, 8, vigilP99, 70, TIMES),
                new LatencyPoint.Scoring(7, 30, 60, 2, 5, 6, 0.4, 0.9, 1.1, 120));
    }

    private static ThroughputBench.Result result(LatencyPoint latency, List<LatencyPoint> curve) {
        return new ThroughputBench.Result(1000, "at_least_once", PASS, VIGIL, RCF, latency, curve,
                new LatencySettings(1000, 5, 100, 500, 1, 1000, 256, 5), new StageProfile.Costs(4, 0, 0.3, 3, 1),
                new ThroughputBench.BufferCost(10, 2000), false, List.of(PASS), List.of(VIGIL));
    }

    @Test
    void shouldOfferHalfThePassThroughsMaximumUnlessARateIsGiven() {
        assertThat(ThroughputBench.latencyRate(0, PASS)).isEqualTo(25_000);
        assertThat(ThroughputBench.latencyRate(2_000, PASS)).isEqualTo(2_000);
    }

    @Test
    void shouldMeasureTheCurveAscendingWithTheOneRateInItAndNoRateTwice() {
        assertThat(ThroughputBench.latencyRates(12_345.6, ThroughputBench.DEFAULT_CURVE_RATES))
                .containsExactly(1_000.0, 5_000.0, 10_000.0, 12_345.6);
        assertThat(ThroughputBench.latencyRates(4_000, List.of(10_000.0, 1_000.0))).containsExactly(1_000.0, 4_000.0, 10_000.0);
        // A curve rate that is the one rate (to the record/s) is measured once, at the one rate exactly.
        assertThat(ThroughputBench.latencyRates(5_000.2, List.of(5_000.0, 1_000.0, 1_000.0))).containsExactly(1_000.0, 5_000.2);
        assertThat(ThroughputBench.latencyRates(7_000, List.of())).containsExactly(7_000.0);
    }

    @Test
    void shouldKeepEveryEarlierKeyInItsPlace() {
        List<String> earlier = List.of("passthrough_rps", "vigil_rps", "rcf_rps", "ratio_vs_passthrough", "ratio_vs_rcf",
                "latency_p50_ms", "latency_p99_ms", "latency_max_ms", "latency_rate", "latency_samples", "latency_missing", "records",
                "guarantee", "context", "vigil_score_share", "rcf_score_share", "buffer_changelog_records_per_input",
                "buffer_changelog_bytes_per_input", "stage_parse_us", "stage_context_us", "stage_buffer_encode_us", "stage_score_us",
                "stage_score_json_us");

        Map<String, Object> flat = result(point(25_000, 40), List.of()).flat();

        assertThat(List.copyOf(flat.keySet()).subList(0, earlier.size())).isEqualTo(earlier);
        assertThat(flat).containsEntry("latency_rate", 25_000.0).containsEntry("latency_p99_ms", 40.0)
                .containsEntry("latency_samples", 900L).containsEntry("latency_missing", 1L);
    }

    @Test
    void shouldReportThePassThroughsLatencyVigilsPartsAndTheKafkaSettingsAsFlatKeys() {
        Map<String, Object> flat = result(point(25_000, 40), List.of()).flat();

        assertThat(flat).containsEntry("passthrough_latency_p50_ms", 3.0).containsEntry("passthrough_latency_p99_ms", 9.0)
                .containsEntry("passthrough_latency_missing", 0L)
                .containsEntry("vigil_until_forwarded_p50_ms", 7.0).containsEntry("vigil_until_forwarded_p99_ms", 30.0)
                .containsEntry("vigil_buffer_wait_p50_ms", 2.0).containsEntry("vigil_buffer_wait_p99_ms", 5.0)
                .containsEntry("vigil_score_call_p99_ms", 0.9).containsEntry("vigil_batch_records_avg", 120.0)
                .containsEntry("vigil_producer_queue_time_avg_ms", 4.2).containsEntry("passthrough_producer_queue_time_avg_ms", 4.2)
                .containsEntry("vigil_producer_request_latency_avg_ms", 1.5)
                .containsEntry("vigil_commit_latency_avg_ms", 12.0).containsEntry("vigil_commit_latency_max_ms", 60.0)
                .containsEntry("passthrough_commits", 9L).containsEntry("vigil_commit_flush_ms_avg", 7.5)
                .containsEntry("vigil_commit_offsets_ms_avg", 2.25)
                .containsEntry("kafka_commit_interval_ms", 1000L).containsEntry("kafka_linger_ms", 5L)
                .containsEntry("kafka_max_poll_records", 1000)
                .containsEntry("latency_curve", false);
        assertThat(flat.keySet()).noneMatch(k -> k.startsWith("curve_"));
        assertThat(flat.values()).allMatch(v -> v instanceof Number || v instanceof String || v instanceof Boolean);
    }

    @Test
    void shouldReportEachRunsCpuPerRecordAndTheRatioTheCpuAlonePredicts() {
        Map<String, Object> flat = result(point(25_000, 40), List.of()).flat();

        assertThat(flat).containsEntry("passthrough_cpu_us_per_record", 36.0).containsEntry("vigil_cpu_us_per_record", 45.0)
                .containsEntry("rcf_cpu_us_per_record", 300.0).containsEntry("vigil_cores_busy", 1.9)
                .containsEntry("passthrough_output_bytes_per_record", 120.0).containsEntry("vigil_output_bytes_per_record", 480.0)
                .containsEntry("cpu_ratio_vs_passthrough", 0.8);
    }

    @Test
    void shouldReportEachAppsMedianRoundAndEveryRoundInTheOrderRun() {
        ThroughputBench.Run slow = new ThroughputBench.Run("vigil", 1000, 0.1, 10_000, 0.3, 90, 1.9, 480);
        ThroughputBench.Run fast = new ThroughputBench.Run("vigil", 1000, 0.02, 50_000, 0.3, 30, 1.9, 480);

        assertThat(ThroughputBench.median(List.of(fast, VIGIL, slow))).isSameAs(VIGIL);
        assertThat(ThroughputBench.median(List.of(fast, slow))).as("the lower middle of an even count").isSameAs(slow);
        assertThat(ThroughputBench.median(List.of(fast))).isSameAs(fast);

        Map<String, Object> flat = new ThroughputBench.Result(1000, "at_least_once", PASS, VIGIL, RCF, point(25_000, 40), List.of(),
                new LatencySettings(1000, 5, 100, 500, 1, 1000, 256, 5), new StageProfile.Costs(4, 0, 0.3, 3, 1),
                new ThroughputBench.BufferCost(10, 2000), false, List.of(PASS, PASS, PASS), List.of(fast, VIGIL, slow)).flat();
        assertThat(flat).containsEntry("rounds", 3).containsEntry("passthrough_rps_rounds", "50000,50000,50000")
                .containsEntry("vigil_rps_rounds", "50000,25000,10000").containsEntry("vigil_rps", 25_000.0);
    }

    @Test
    void shouldNameEachPointOfTheCurveByItsRate() {
        LatencyPoint half = point(12_345.6, 40);
        Map<String, Object> flat = result(half, List.of(point(1_000, 15), point(5_000, 20), half)).flat();

        assertThat(flat).containsEntry("latency_curve", true).containsEntry("curve_rates", "1000,5000,12346")
                .containsEntry("curve_1000_latency_p99_ms", 15.0).containsEntry("curve_5000_latency_p99_ms", 20.0)
                .containsEntry("curve_12346_latency_p99_ms", 40.0).containsEntry("curve_1000_passthrough_latency_p99_ms", 9.0)
                .containsEntry("curve_5000_vigil_buffer_wait_p99_ms", 5.0).containsEntry("curve_5000_passthrough_commit_latency_avg_ms", 12.0)
                .containsEntry("latency_p99_ms", 40.0);
        // Every key of the one rate has its counterpart at each point of the curve.
        for (String key : List.of("latency_p50_ms", "passthrough_latency_max_ms", "vigil_score_call_p50_ms", "vigil_producer_queue_time_max_ms",
                "passthrough_commits")) {
            assertThat(flat).containsKeys("curve_1000_" + key, "curve_5000_" + key, "curve_12346_" + key);
        }
    }

    @Test
    void shouldRefuseACurveRateBelowOneRecordASecond() {
        assertThatThrownBy(() -> new ThroughputBench.Options(1000, 0, 5000, 0, Duration.ofSeconds(2), List.of(1000.0, 0.5),
                "at_least_once", 1, Map.of(), false, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("curve rates");
    }

    @Test
    void shouldReadTheIndexTheLatencyProducerStampedOnARecord() {
        ConsumerRecord<byte[], byte[]> stamped = new ConsumerRecord<>("t", 0, 5, null, new byte[0]);
        stamped.headers().add(ThroughputBench.INDEX_HEADER, ByteBuffer.allocate(Long.BYTES).putLong(123_456_789_012L).array());

        assertThat(ThroughputBench.stampedIndex(stamped)).isEqualTo(123_456_789_012L);
        assertThat(ThroughputBench.stampedIndex(new ConsumerRecord<>("t", 0, 5, null, new byte[0]))).isEqualTo(-1);
    }
}
