package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.ingest.FeatureSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code vigil backtest} from the command line, with specs {@code vigil spec infer} wrote and models
 * {@code vigil train} trained, used unchanged.
 */
class BacktestCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DATA = Path.of(System.getProperty("vigil.datasets", "../shared/datasets"));

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = VigilCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /**
     * Telegraf's JSON output as it writes it (keys in its order, epoch seconds, one record per host every
     * 10 s): x2 = 2 x1 + noise under "fields", three hosts; the last {@code outliers} rows lie far off the line.
     */
    private Path telegraf(String name, int rows, int outliers, long seed, long startSeconds) throws IOException {
        Random random = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            double x1 = random.nextGaussian();
            double x2 = 2 * x1 + 0.1 * random.nextGaussian() + (i >= rows - outliers ? 30 : 0);
            sb.append("{\"fields\":{\"x1\":").append(x1).append(",\"x2\":").append(x2)
                    .append("},\"name\":\"cpu\",\"tags\":{\"cpu\":\"cpu-total\",\"host\":\"h").append(i % 3)
                    .append("\"},\"timestamp\":").append(startSeconds + (i / 3) * 10L).append("}\n");
        }
        return Files.writeString(dir.resolve(name), sb);
    }

    /** A spec inferred from under three hours of Telegraf's output, and a model trained on it; returns the model. */
    private Path inferAndTrain(Path spec) throws IOException {
        Path history = telegraf("train.jsonl", 3000, 0, 1, 1_700_000_000L);
        assertThat(run("spec", "infer", "--data", history.toString(), "--out", spec.toString()).exit()).isZero();
        FeatureSpec inferred = FeatureSpec.load(spec);
        assertThat(inferred.timestamp()).as("Telegraf's epoch seconds").isEqualTo("timestamp");
        assertThat(inferred.entityKey()).isEqualTo("/tags/host");
        Path model = dir.resolve("model.vglm");
        assertThat(run("train", "--data", history.toString(), "--spec", spec.toString(), "--out", model.toString(),
                "--epochs", "40").exit()).isZero();
        return model;
    }

    @Test
    void shouldBacktestNestedJsonWithAnInferredSpecAndATrainedModelAndWriteTheReport() throws IOException {
        Path spec = dir.resolve("spec.json");
        Path model = inferAndTrain(spec);

        Path recent = telegraf("recent.jsonl", 600, 5, 2, 1_700_030_000L);
        Path report = dir.resolve("report.html");
        Run backtest = run("backtest", "--data", recent.toString(), "--spec", spec.toString(), "--model", model.toString(),
                "--report", report.toString(), "--format", "json");

        assertThat(backtest.exit()).as(backtest.err()).isZero();
        JsonNode summary = JSON.readTree(backtest.out());
        assertThat(summary.get("records").asLong()).isEqualTo(600);
        assertThat(summary.get("scored").asLong()).isEqualTo(600);
        assertThat(summary.get("dead_letters").asLong()).isZero();
        assertThat(summary.get("last_model_version").asLong()).isEqualTo(1);
        // Five outliers, one per host in turn: three hosts, and each host's incident folds what follows within the cooldown.
        assertThat(summary.get("anomalies").asLong()).isBetween(5L, 15L);
        assertThat(summary.get("alerts").asLong()).isBetween(3L, 13L);
        assertThat(report).isNotEmptyFile();
        assertThat(Files.readString(report)).contains("h0");
    }

    @Test
    void shouldPrintAlertsPerDayAndTheModelsInTheTextSummary() throws IOException {
        Path spec = dir.resolve("spec.json");
        Path model = inferAndTrain(spec);

        Run backtest = run("backtest", "--data", telegraf("recent.jsonl", 200, 2, 2, 1_700_030_000L).toString(),
                "--spec", spec.toString(), "--model", model.toString(), "--report", dir.resolve("r.html").toString());

        assertThat(backtest.exit()).as(backtest.err()).isZero();
        assertThat(backtest.out()).contains("200 records from").contains("per day (UTC):").contains("2023-11-15")
                .contains("v1   given").contains("top entities:");
    }

    @Test
    void shouldRefuseBadUsageWithOneLineAndExit2() throws IOException {
        assertThat(run("backtest", "--spec", "x.json").exit()).isEqualTo(2);
        Path spec = Files.writeString(dir.resolve("s.json"), "{\"features\":[{\"name\":\"a\",\"type\":\"numeric\"}]}");
        Run missing = run("backtest", "--data", dir.resolve("nope.csv").toString(), "--spec", spec.toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err().strip()).startsWith("vigil: cannot read --data").doesNotContain("\n");
        Run badModel = run("backtest", "--data", spec.toString(), "--spec", spec.toString(), "--model", spec.toString());
        assertThat(badModel.exit()).isEqualTo(2);
        assertThat(badModel.err()).startsWith("vigil: --model:");
    }

    /**
     * The issue's own cases, on the shared data: a spec inferred from a file is taken unchanged by train, score and
     * backtest. SMD is a headerless CSV (one row a minute from 2000-01-01, so 1,440 records a day); the ADBench set
     * has a header and a label column, which --exclude leaves out of the spec.
     */
    @ParameterizedTest
    @CsvSource({"smd/train/machine-1-6.txt, smd/test/machine-1-6.txt, ''", "adbench/38_thyroid.csv, adbench/38_thyroid.csv, label"})
    void shouldTakeASpecInferredFromSharedDataUnchangedThroughTrainScoreAndBacktest(String trainFile, String testFile,
                                                                                     String exclude) throws IOException {
        Path train = DATA.resolve(trainFile);
        Path test = DATA.resolve(testFile);
        Assumptions.assumeTrue(Files.isReadable(train) && Files.isReadable(test),
                "no shared data set in " + DATA.toAbsolutePath().normalize());
        Path spec = dir.resolve("spec.json");
        List<String> infer = new ArrayList<>(List.of("spec", "infer", "--data", train.toString(), "--out", spec.toString()));
        if (!exclude.isEmpty()) {
            infer.addAll(List.of("--exclude", exclude));
        }
        assertThat(run(infer.toArray(String[]::new)).exit()).isZero();
        Path model = dir.resolve("model.vglm");
        assertThat(run("train", "--data", train.toString(), "--spec", spec.toString(), "--out", model.toString()).exit()).isZero();
        Run score = run("score", "--model", model.toString(), "--data", test.toString(), "--out", dir.resolve("s.csv").toString());
        assertThat(score.exit()).as(score.err()).isZero();
        Path report = dir.resolve("report.html");

        Run backtest = run("backtest", "--data", test.toString(), "--spec", spec.toString(), "--model", model.toString(),
                "--report", report.toString());

        assertThat(backtest.exit()).as(backtest.err()).isZero();
        long rows = Files.readAllLines(test).stream().filter(l -> !l.isBlank()).count() - (exclude.isEmpty() ? 0 : 1);
        assertThat(backtest.out()).contains(String.format("%,d records from", rows))
                .contains(String.format("  %-10s %,9d", "2000-01-01", 1440)).contains("dead letters 0");
        assertThat(Files.readAllLines(dir.resolve("s.csv"))).hasSize((int) rows + 1);
        assertThat(report).isNotEmptyFile();
    }
}
