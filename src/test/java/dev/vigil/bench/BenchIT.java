package dev.vigil.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.cli.BenchCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchIT {

    private static final List<String> KEYS = List.of("passthrough_rps", "vigil_rps", "rcf_rps", "ratio_vs_passthrough",
            "ratio_vs_rcf", "latency_p50_ms", "latency_p99_ms");

    /** Runs {@code vigil bench} with {@code args}, expects exit code 0 and returns its last line of stdout as JSON. */
    private static JsonNode bench(String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new BenchCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        assertThat(code).as(err.toString()).isZero();
        String[] lines = out.toString().strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    private static JsonNode defaultRun;

    /** One small run of the whole bench without the curve, shared by the tests that read it. */
    private static synchronized JsonNode defaultRun() throws Exception {
        if (defaultRun == null) {
            // No warm-up and short latency runs: what they save pays for the pass-through's latency run.
            defaultRun = bench("--records", "5000", "--rounds", "1", "--train-records", "3000", "--warmup-records", "0", "--latency-seconds", "2",
                    "--latency-rate", "2000", "--format", "json");
        }
        return defaultRun;
    }

    @Test
    void shouldRunEveryBenchmarkEndToEndAndReportEveryKeyAsAPositiveNumber() throws Exception {
        JsonNode result = defaultRun();
        assertThat(result.get("broker_log_dir").asText()).as("where the embedded broker kept its log").contains("vigil-kafka-");
        for (String key : KEYS) {
            assertThat(result.has(key)).as(key).isTrue();
            assertThat(result.get(key).isNumber()).as(key + " = " + result.get(key)).isTrue();
            assertThat(result.get(key).asDouble()).as(key).isPositive();
        }
        assertThat(result.get("records").asLong()).isEqualTo(5000);
        assertThat(result.get("latency_rate").asDouble()).isEqualTo(2000.0);
        // Every record sent after the first (settling) second got a score. How many were sent depends on how
        // fast this machine is at the moment, so the count is not pinned.
        assertThat(result.get("latency_samples").asLong()).isPositive();
        assertThat(result.get("latency_missing").asLong()).isZero();
        assertThat(result.get("latency_p99_ms").asDouble()).isGreaterThanOrEqualTo(result.get("latency_p50_ms").asDouble());
        // Under at_least_once commits stop at the oldest unscored record instead: the buffer's store is idle.
        assertThat(result.get("buffer_changelog_records_per_input").asDouble()).isZero();
        assertThat(result.get("buffer_changelog_bytes_per_input").asDouble()).isZero();
    }

    @Test
    void shouldMeasureThePassThroughsLatencyAtTheSameRateAndWhereVigilsGoes() throws Exception {
        JsonNode result = defaultRun();
        for (String key : List.of("passthrough_latency_p50_ms", "passthrough_latency_p99_ms", "passthrough_latency_samples",
                "vigil_until_forwarded_p50_ms", "vigil_buffer_wait_p50_ms", "vigil_buffer_wait_p99_ms", "vigil_score_call_p50_ms",
                "vigil_score_call_p99_ms",
                "vigil_producer_request_latency_avg_ms", "passthrough_producer_request_latency_avg_ms", "vigil_commits")) {
            assertThat(result.path(key).isNumber()).as(key + " = " + result.path(key)).isTrue();
            assertThat(result.path(key).asDouble()).as(key).isPositive();
        }
        for (String key : List.of("vigil_producer_queue_time_avg_ms", "vigil_commit_latency_avg_ms", "passthrough_producer_queue_time_avg_ms")) {
            assertThat(result.path(key).isNumber()).as(key + " = " + result.path(key)).isTrue();
            assertThat(result.path(key).asDouble()).as(key).isNotNegative();
        }
        assertThat(result.get("passthrough_latency_missing").asLong()).isZero();
        assertThat(result.get("passthrough_latency_p99_ms").asDouble())
                .isGreaterThanOrEqualTo(result.get("passthrough_latency_p50_ms").asDouble());
        // A record's wait in the buffer is part of the time until its score is forwarded, which is part of its end-to-end
        // latency (the first two a millisecond apart at most: Kafka's timestamps are whole milliseconds).
        assertThat(result.get("vigil_buffer_wait_p50_ms").asDouble()).isLessThan(result.get("vigil_until_forwarded_p50_ms").asDouble() + 1);
        assertThat(result.get("vigil_until_forwarded_p50_ms").asDouble()).isLessThan(result.get("latency_p50_ms").asDouble() + 1);
        assertThat(result.get("vigil_batch_records_avg").asDouble()).isBetween(1.0, result.get("score_batch_max_records").asDouble());
        // The settings both apps ran with: Vigil's own where it sets them, Kafka Streams' defaults for the rest.
        assertThat(result.get("kafka_commit_interval_ms").asLong()).isEqualTo(1000);
        assertThat(result.get("kafka_linger_ms").asLong()).isEqualTo(5);
        assertThat(result.get("kafka_max_poll_records").asLong()).isEqualTo(1000);
        for (String key : List.of("kafka_poll_ms", "kafka_fetch_max_wait_ms", "kafka_fetch_min_bytes", "score_batch_max_wait_ms")) {
            assertThat(result.path(key).asLong()).as(key).isPositive();
        }
        assertThat(result.get("latency_curve").asBoolean()).isFalse();
        assertThat(result.has("curve_rates")).isFalse();
    }

    @Test
    void shouldMeasureTheModelAloneByBatchSizeWithItsMemory() throws Exception {
        JsonNode result = bench("model", "--train-records", "2000", "--epochs", "2", "--seconds", "0.2",
                "--batch-sizes", "1,64", "--format", "json");
        for (String key : List.of("train_samples_per_s", "score_rps_batch_1", "score_rps_batch_64", "tf_rps_batch_64",
                "heap_used_mb", "resident_mb")) {
            assertThat(result.path(key).asDouble()).as(key + " in " + result).isPositive();
        }
        assertThat(result.get("resident_mb").asDouble()).as("resident memory includes the heap")
                .isGreaterThan(result.get("heap_used_mb").asDouble());
    }

    @Test
    void shouldFindTheSourceOffsetInAScoreRecord() {
        assertThat(ThroughputBench.sourceOffset("{\"id\":\"t-0-17\",\"topic\":\"t\",\"partition\":0,\"offset\":1234,\"entity\":\"h\"}"
                .getBytes())).isEqualTo(1234);
        assertThat(ThroughputBench.sourceOffset("{\"offset\":null}".getBytes())).isEqualTo(-1);
        assertThat(ThroughputBench.sourceOffset("{}".getBytes())).isEqualTo(-1);
    }
}
