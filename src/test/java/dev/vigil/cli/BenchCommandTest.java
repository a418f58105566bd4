package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.bench.ThroughputBench;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** {@code vigil bench parse}; the Kafka-backed {@code vigil bench} and {@code bench model} are in {@code BenchIT}. */
class BenchCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = VigilCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void shouldReportTheParseStageOfFlatAndNestedRecordsAsOneJsonObject() throws Exception {
        assertThat(run("bench", "parse", "--records", "2000", "--rounds", "1", "--format", "json")).as(err.toString()).isZero();

        String[] lines = out.toString().strip().split("\n");
        JsonNode result = new ObjectMapper().readTree(lines[lines.length - 1]);
        for (String key : List.of("parse_flat_us", "parse_nested_us", "parse_nested_ratio")) {
            assertThat(result.path(key).isNumber()).as(key + " in " + result).isTrue();
            assertThat(result.path(key).asDouble()).as(key).isPositive();
        }
        assertThat(result.path("records").asInt()).isEqualTo(2000);
        assertThat(result.path("rounds").asInt()).isEqualTo(1);
    }

    @Test
    void shouldPrintATableByDefault() {
        assertThat(run("bench", "parse", "--records", "1000", "--rounds", "1")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("vigil bench parse: 1,000 records", "flat (10 fields)", "nested / flat");
    }

    /** The options {@code vigil bench} would run with, without running it. */
    private static ThroughputBench.Options benchOptions(String... args) {
        BenchCommand command = new BenchCommand();
        new CommandLine(command).parseArgs(args);
        return command.options();
    }

    @Test
    void shouldMeasureLatencyAtOneRateWithoutTheCurveFlag() {
        ThroughputBench.Options options = benchOptions();

        assertThat(options.curveRates()).isEmpty();
        assertThat(options.latencyRate()).as("0: half the pass-through's maximum").isZero();
        assertThat(options.guarantee()).isEqualTo("at_least_once");
    }

    @Test
    void shouldMeasureTheCurveAtTheDefaultRatesOrAtTheGivenOnes() {
        assertThat(benchOptions("--latency-curve").curveRates()).containsExactly(1_000.0, 5_000.0, 10_000.0);
        ThroughputBench.Options options = benchOptions("--latency-curve", "--latency-rates", "2000,20000", "--guarantee", "exactly_once_v2");
        assertThat(options.curveRates()).containsExactly(2_000.0, 20_000.0);
        assertThat(options.guarantee()).isEqualTo("exactly_once_v2");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"--latency-rates 1000 | needs --latency-curve", "--latency-curve --latency-rates 0 | >= 1",
            "--latency-curve --guarantee exactly_once | --guarantee", "--broker-dir /nonexistent/vigil | --broker-dir"})
    void shouldRefuseABadLatencyCurve(String args, String message) {
        assertThat(run(("bench " + args).split(" "))).isEqualTo(2);
        assertThat(err.toString()).contains(message);
        assertThat(out.toString()).isEmpty();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"--records, 0, --records", "--rounds, 0, --rounds", "--format, xml, --format", "--records, lots, lots"})
    void shouldRejectABadOptionWithOneLineAndExitCode2(String option, String value, String named) {
        assertThat(run("bench", "parse", option, value)).isEqualTo(2);
        String text = err.toString().strip();
        assertThat(text.lines()).as("stderr: %s", text).hasSize(1);
        assertThat(text).contains(named);
        assertThat(out.toString()).isEmpty();
    }
}
