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

    @Test
    void shouldRunEveryBenchmarkEndToEndAndReportEveryKeyAsAPositiveNumber() throws Exception {
        JsonNode result = bench("--records", "5000", "--train-records", "3000", "--latency-seconds", "3",
                "--latency-rate", "2000", "--format", "json");
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
        // The buffer's changelog was read: at least one record (flushed at a commit or at close), and never
        // more than two per input record (a slot write and the watermark), however the cache folds them.
        assertThat(result.get("buffer_changelog_records_per_input").asDouble()).isPositive().isLessThan(2.1);
        assertThat(result.get("buffer_changelog_bytes_per_input").asDouble()).isPositive();
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
