package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.calibration.Calibration;
import dev.vigil.config.VigilConfig;
import dev.vigil.model.ModelBundle;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TrainScoreCommandTest {

    @TempDir
    Path dir;

    /** Headerless CSV like SMD: x2 = 2 x1 + noise, x3 independent; the last {@code outliers} rows lie far off the x1-x2 line. */
    private Path csv(String name, int rows, int outliers, long seed) throws IOException {
        Random random = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            double x1 = random.nextGaussian();
            double x2 = 2 * x1 + 0.1 * random.nextGaussian();
            if (i >= rows - outliers) {
                x2 += 3; // thirty noise standard deviations off the x1-x2 line
            }
            sb.append(x1).append(',').append(x2).append(',').append(random.nextGaussian()).append('\n');
        }
        return Files.writeString(dir.resolve(name), sb);
    }

    private int run(StringWriter out, String... args) {
        CommandLine cli = VigilCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }

    @Test
    void shouldTrainAModelAndScoreAHeaderlessFileRowByRowInInputOrder() throws IOException {
        Path train = csv("train.csv", 3000, 0, 1);
        Path test = csv("test.csv", 500, 20, 2);
        Path model = dir.resolve("model.vigil");
        StringWriter summary = new StringWriter();
        assertThat(run(summary, "train", "--data", train.toString(), "--out", model.toString(), "--epochs", "40")).isZero();
        assertThat(model).exists();
        assertThat(summary.toString()).contains("threshold");

        Path scores = dir.resolve("scores.csv");
        assertThat(run(new StringWriter(), "score", "--model", model.toString(), "--data", test.toString(),
                "--out", scores.toString())).isZero();
        List<String> lines = Files.readAllLines(scores);
        assertThat(lines.get(0)).isEqualTo(ScoreCommand.HEADER);
        assertThat(lines).hasSize(501);
        List<String[]> rows = lines.subList(1, lines.size()).stream().map(l -> l.split(",", -1)).toList();
        long flaggedOutliers = rows.subList(480, 500).stream().filter(r -> r[7].equals("1")).count();
        long flaggedNormal = rows.subList(0, 480).stream().filter(r -> r[7].equals("1")).count();
        assertThat(flaggedOutliers).as("outliers flagged").isGreaterThanOrEqualTo(18);
        assertThat(flaggedNormal).as("normal rows flagged").isLessThanOrEqualTo(10);
        // An outlier breaks the x1-x2 relation: one of those two explains it.
        assertThat(rows.subList(480, 500)).allSatisfy(r -> assertThat(r[2]).isIn("f0", "f1"));
    }

    /** JSON lines of two hosts taking turns, x2 = 2 x1 + noise; from row {@code stuckFrom} on, host b repeats one record ten times. */
    private Path hosts(String name, int rows, int stuckFrom, long seed) throws IOException {
        Random random = new Random(seed);
        StringBuilder sb = new StringBuilder();
        String stuck = null;
        for (int i = 0; i < rows; i++) {
            String host = i % 2 == 0 ? "a" : "b";
            double x1 = random.nextGaussian();
            String line = "{\"host\":\"" + host + "\",\"x1\":" + x1 + ",\"x2\":" + (2 * x1 + 0.1 * random.nextGaussian()) + "}";
            if (host.equals("b") && i >= stuckFrom && i < stuckFrom + 20) {
                stuck = stuck == null ? line : stuck;
                line = stuck;
            }
            sb.append(line).append('\n');
        }
        return Files.writeString(dir.resolve(name), sb);
    }

    @Test
    void shouldTrainAndScoreWithContextPerEntityInFileOrder() throws IOException {
        Path spec = Files.writeString(dir.resolve("spec.json"), """
                {"entityKey": "host", "features": [{"name": "x1", "type": "numeric"}, {"name": "x2", "type": "numeric"}],
                 "context": {}}""");
        Path model = dir.resolve("context.vigil");
        assertThat(run(new StringWriter(), "train", "--data", hosts("train.jsonl", 3000, Integer.MAX_VALUE, 1).toString(),
                "--spec", spec.toString(), "--out", model.toString(), "--epochs", "40")).isZero();
        assertThat(ModelBundle.load(model, null).spec().modelInput().names())
                .containsExactly("x1", "x2", "x1~level", "x2~level", "record~unchanged");

        Path scores = dir.resolve("scores.csv");
        assertThat(run(new StringWriter(), "score", "--model", model.toString(), "--data",
                hosts("test.jsonl", 400, 200, 2).toString(), "--out", scores.toString())).isZero();
        List<String[]> rows = Files.readAllLines(scores).stream().skip(1).map(l -> l.split(",", -1)).toList();
        // Host b's rows 201, 203, ... 219 repeat its row 201: the nine repeats are caught and blamed on the run.
        List<String[]> repeats = java.util.stream.IntStream.range(0, 400).filter(i -> i % 2 == 1 && i > 201 && i < 220)
                .mapToObj(rows::get).toList();
        assertThat(repeats).hasSize(9).allSatisfy(r -> {
            assertThat(r[7]).isEqualTo("1");
            assertThat(r[2]).isEqualTo("record~unchanged");
        });
        long flaggedOthers = java.util.stream.IntStream.range(0, 400).filter(i -> !(i % 2 == 1 && i > 201 && i < 220))
                .filter(i -> rows.get(i)[7].equals("1")).count();
        assertThat(flaggedOthers).as("other rows flagged").isLessThanOrEqualTo(8);

        // What an alert says of the last repeat: the run, in words.
        ModelBundle bundle = ModelBundle.load(model, null);
        double[][] modelRows = dev.vigil.ingest.TabularFile.read(hosts("again.jsonl", 400, 200, 2), bundle.spec(), null).modelRows();
        try (dev.vigil.score.VaeBatchScorer scorer = dev.vigil.score.VaeBatchScorer.open(bundle, null)) {
            var scored = scorer.score(new double[][] {modelRows[219]});
            assertThat(scored.contributions(0, 5)).filteredOn(c -> c.name().equals("record~unchanged"))
                    .singleElement().extracting(dev.vigil.score.Contribution::words).isEqualTo("same values for 10 records in a row");
            assertThat(scored.contributions(0, 5)).filteredOn(c -> c.name().equals("x1")).allSatisfy(c -> assertThat(c.words()).isNull());
        }
    }

    /** Telegraf-shaped JSON lines, x2 = 2 x1 + noise under "fields"; the last {@code outliers} rows lie far off the line. */
    private Path telegraf(String name, int rows, int outliers, long seed) throws IOException {
        Random random = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            double x1 = random.nextGaussian();
            double x2 = 2 * x1 + 0.1 * random.nextGaussian() + (i >= rows - outliers ? 3 : 0);
            sb.append("{\"name\":\"cpu\",\"tags\":{\"host\":\"h").append(i % 3).append("\"},\"fields\":{\"x1\":").append(x1)
                    .append(",\"x2\":").append(x2).append("},\"timestamp\":").append(1700000000000L + i * 1000L).append("}\n");
        }
        return Files.writeString(dir.resolve(name), sb);
    }

    @Test
    void shouldTrainAndScoreNestedJsonLinesThroughTheSpecsPaths() throws IOException {
        Path spec = Files.writeString(dir.resolve("nested.json"), """
                {"entityKey": "/tags/host", "timestamp": "timestamp", "features": [
                  {"name": "x1", "type": "numeric", "path": "/fields/x1"},
                  {"name": "x2", "type": "numeric", "path": "/fields/x2"}]}""");
        Path model = dir.resolve("nested.vigil");
        assertThat(run(new StringWriter(), "train", "--data", telegraf("nested.jsonl", 3000, 0, 1).toString(),
                "--spec", spec.toString(), "--out", model.toString(), "--epochs", "40")).isZero();
        assertThat(ModelBundle.load(model, null).spec().feature(1).path()).isEqualTo("/fields/x2");

        Path scores = dir.resolve("nested-scores.csv");
        assertThat(run(new StringWriter(), "score", "--model", model.toString(), "--data",
                telegraf("nested-test.jsonl", 500, 20, 2).toString(), "--out", scores.toString())).isZero();
        List<String[]> rows = Files.readAllLines(scores).stream().skip(1).map(l -> l.split(",", -1)).toList();
        assertThat(rows).hasSize(500);
        assertThat(rows.subList(480, 500).stream().filter(r -> r[7].equals("1")).count()).as("outliers flagged").isGreaterThanOrEqualTo(18);
        assertThat(rows.subList(0, 480).stream().filter(r -> r[7].equals("1")).count()).as("normal rows flagged").isLessThanOrEqualTo(10);
        // Alerts and CSV name a feature by its name, not its path.
        assertThat(rows.subList(480, 500)).allSatisfy(r -> assertThat(r[2]).isIn("x1", "x2"));
    }

    @Test
    void shouldTrainWithTheConfiguredSeedTargetRateAndEpochsWhenNoOptionGivesThem() throws IOException {
        Path train = csv("train.csv", 700, 0, 4);
        Path config = Files.writeString(dir.resolve("vigil.properties"), String.join("\n",
                VigilConfig.TRAIN_SEED + "=7", VigilConfig.TARGET_FPR + "=0.01", VigilConfig.TRAIN_EPOCHS + "=2", ""));
        Path model = dir.resolve("configured.vigil");

        assertThat(run(new StringWriter(), "train", "--data", train.toString(), "--out", model.toString(),
                "--config", config.toString())).isZero();

        ModelBundle bundle = ModelBundle.load(model, null);
        assertThat(bundle.config().seed()).isEqualTo(7);
        assertThat(bundle.config().epochs()).isEqualTo(2);
        assertThat(Calibration.fromBytes(bundle.calibration()).targetFpr()).isEqualTo(0.01);
    }

    @Test
    void shouldLetTheOptionsOverrideTheConfiguration() throws IOException {
        Path train = csv("train.csv", 700, 0, 5);
        Path model = dir.resolve("options.vigil");

        assertThat(run(new StringWriter(), "train", "--data", train.toString(), "--out", model.toString(),
                "--set", VigilConfig.TRAIN_SEED + "=7", "--set", VigilConfig.TARGET_FPR + "=0.01",
                "--seed", "8", "--target-fpr", "0.02", "--epochs", "2")).isZero();

        ModelBundle bundle = ModelBundle.load(model, null);
        assertThat(bundle.config().seed()).isEqualTo(8);
        assertThat(Calibration.fromBytes(bundle.calibration()).targetFpr()).isEqualTo(0.02);
    }

    @Test
    void shouldNameTheConfigurationKeyAndItsDefaultInTheTrainHelp() {
        StringWriter help = new StringWriter();
        assertThat(run(help, "train", "--help")).isZero();
        // Unwrapped: picocli may break a line inside a dotted key ("vigil.\n   train.seed").
        String text = help.toString().replaceAll("(?<=\\.)\\s+(?=[a-z])", "").replaceAll("\\s+", " ");
        for (String key : List.of(VigilConfig.TRAIN_EPOCHS, VigilConfig.TRAIN_SEED, VigilConfig.TARGET_FPR, VigilConfig.TRAIN_THREADS)) {
            ConfigDef.ConfigKey def = VigilConfig.DEFINITION.configKeys().get(key);
            assertThat(text).contains("(default: " + key + ", " + ConfigDef.convertToString(def.defaultValue, def.type)
                    + " unless configured)");
        }
    }

    @Test
    void shouldRefuseAnUnknownConfigurationKeyWithExitCode2() throws IOException {
        Path train = csv("train.csv", 200, 0, 6);
        assertThat(run(new StringWriter(), "train", "--data", train.toString(), "--out", dir.resolve("m").toString(),
                "--set", "vigil.train.sead=7")).isEqualTo(2);
    }

    @Test
    void shouldRefuseFewerThanAHundredRecordsWithOneLineAndExitCode2() throws IOException {
        Path train = csv("small.csv", 99, 0, 3);
        StringWriter err = new StringWriter();
        CommandLine cli = VigilCommand.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));

        assertThat(cli.execute("train", "--data", train.toString(), "--out", dir.resolve("m").toString())).isEqualTo(2);
        assertThat(err.toString().lines().filter(l -> l.startsWith("vigil: ")).toList())
                .containsExactly("vigil: --data has 99 records; a model needs at least 100 to train and calibrate");
    }

    @Test
    void shouldRefuseAMissingDataFileWithExitCode2() {
        assertThat(run(new StringWriter(), "train", "--data", dir.resolve("nope.csv").toString(), "--out",
                dir.resolve("m").toString())).isEqualTo(2);
    }
}
