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

    @Test
    void shouldRunEveryBenchmarkEndToEndAndReportEveryKeyAsAPositiveNumber() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new BenchCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));

        int code = cmd.execute("--records", "5000", "--train-records", "3000", "--latency-seconds", "3",
                "--latency-rate", "2000", "--format", "json");

        assertThat(code).as(err.toString()).isZero();
        String[] lines = out.toString().strip().split("\n");
        JsonNode result = new ObjectMapper().readTree(lines[lines.length - 1]);
        for (String key : KEYS) {
            assertThat(result.has(key)).as(key).isTrue();
            assertThat(result.get(key).isNumber()).as(key + " = " + result.get(key)).isTrue();
            assertThat(result.get(key).asDouble()).as(key).isPositive();
        }
        assertThat(result.get("records").asLong()).isEqualTo(5000);
        assertThat(result.get("latency_rate").asDouble()).isEqualTo(2000.0);
        // 3 s at 2000/s minus the first (settling) second: every record sent after it got a score.
        assertThat(result.get("latency_samples").asLong()).isGreaterThan(3000);
        assertThat(result.get("latency_missing").asLong()).isZero();
        assertThat(result.get("latency_p99_ms").asDouble()).isGreaterThanOrEqualTo(result.get("latency_p50_ms").asDouble());
        // The buffer's changelog was read: at least one record (a batch outlived a commit) and at most a put and
        // a tombstone per input record, plus the per-batch watermark.
        assertThat(result.get("buffer_changelog_records_per_input").asDouble()).isPositive().isLessThan(2.1);
        assertThat(result.get("buffer_changelog_bytes_per_input").asDouble()).isPositive();
    }

    @Test
    void shouldFindTheSourceOffsetInAScoreRecord() {
        assertThat(ThroughputBench.sourceOffset("{\"id\":\"t-0-17\",\"topic\":\"t\",\"partition\":0,\"offset\":1234,\"entity\":\"h\"}"
                .getBytes())).isEqualTo(1234);
        assertThat(ThroughputBench.sourceOffset("{\"offset\":null}".getBytes())).isEqualTo(-1);
        assertThat(ThroughputBench.sourceOffset("{}".getBytes())).isEqualTo(-1);
    }
}
