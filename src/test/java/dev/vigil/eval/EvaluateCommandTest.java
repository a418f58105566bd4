package dev.vigil.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.cli.EvaluateCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Tag("functional")
class EvaluateCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {
        List<JsonNode> json() throws Exception {
            List<JsonNode> nodes = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (!line.isBlank()) {
                    nodes.add(JSON.readTree(line));
                }
            }
            return nodes;
        }
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new EvaluateCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static String csv(double[][] rows, int[] labels) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < rows[i].length; j++) {
                sb.append(j > 0 ? "," : "").append(String.format(Locale.ROOT, "%.6f", rows[i][j]));
            }
            if (labels != null) {
                sb.append(',').append(labels[i]);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Test
    void shouldScoreALabelledCsvWithOneJsonLinePerDetector() throws Exception {
        EvalDataset data = SyntheticData.dataset(21, 1, 1800, 200);
        StringBuilder file = new StringBuilder("a,b,c,d,e,f,label\n").append(csv(data.test(), data.testLabels()));
        Path path = dir.resolve("synthetic_set.csv");
        Files.writeString(path, file);

        Run run = run("--csv", path.toString(), "--detectors", "pca,mahalanobis,random", "--format", "json", "--seed", "5");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("mahalanobis");
        List<JsonNode> lines = run.json();
        assertThat(lines).hasSize(3);
        for (JsonNode line : lines) {
            assertThat(line.get("dataset").asText()).isEqualTo("synthetic_set");
            assertThat(line.has("fpr_at_threshold") && line.get("fpr_at_threshold").isNull()).isTrue();
            assertThat(line.get("hitrate_at_3").isNull()).isTrue();
            assertThat(line.get("train_seconds").isNumber()).isTrue();
        }
        assertThat(lines.get(0).get("auroc").asDouble()).isGreaterThan(0.95);
        assertThat(lines.get(1).get("auroc").asDouble()).isGreaterThan(0.95);
        // 30% of 2000 rows are tested: sd of a random AUROC ~ sqrt(601 / (12 * 540 * 60)) ~ 0.039; 5 sd.
        assertThat(lines.get(2).get("auroc").asDouble()).isBetween(0.5 - 0.2, 0.5 + 0.2);

        String[] again = {"--csv", path.toString(), "--detectors", "pca,random", "--format", "json", "--seed", "5"};
        String first = withoutTimes(run(again).out());
        assertThat(first).contains("auroc");
        assertThat(withoutTimes(run(again).out())).as("same seed, same numbers").isEqualTo(first);
    }

    private static String withoutTimes(String jsonLines) {
        return jsonLines.replaceAll("\"(train|score)_seconds\":[^,}]+", "");
    }

    @Test
    void shouldReadAFolderInSmdLayoutWithHitRateForAttributingDetectors() throws Exception {
        EvalDataset data = SyntheticData.dataset(8, 1000, 270, 30);
        for (String sub : List.of("train", "test", "test_label", "interpretation_label")) {
            Files.createDirectories(dir.resolve(sub));
        }
        Files.writeString(dir.resolve("train/machine-9-9.txt"), csv(data.train(), null));
        Files.writeString(dir.resolve("test/machine-9-9.txt"), csv(data.test(), null));
        StringBuilder labels = new StringBuilder();
        StringBuilder interpretation = new StringBuilder();
        for (int i = 0; i < data.testLabels().length; i++) {
            labels.append(data.testLabels()[i]).append('\n');
            if (data.testLabels()[i] == 1) {
                interpretation.append(i + 1).append('-').append(i + 1).append(":1,2,3,4,5,6\n");
            }
        }
        Files.writeString(dir.resolve("test_label/machine-9-9.txt"), labels);
        Files.writeString(dir.resolve("interpretation_label/machine-9-9.txt"), interpretation);

        Run run = run("--dataset-dir", dir.toString(), "--detectors", "pca,rcf", "--format", "json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<JsonNode> lines = run.json();
        assertThat(lines).extracting(n -> n.get("detector").asText()).containsExactly("pca", "rcf");
        assertThat(lines.get(0).get("dataset").asText()).isEqualTo("machine-9-9");
        // Every dimension is labelled, so any attribution hits.
        assertThat(lines.get(0).get("hitrate_at_3").asDouble()).isEqualTo(1.0);
        assertThat(lines.get(1).get("hitrate_at_3").isNull()).as("rcf offers no attribution").isTrue();
    }

    @Test
    void shouldPrintAReadableTableByDefault() throws Exception {
        EvalDataset data = SyntheticData.dataset(2, 1, 450, 50);
        Path path = dir.resolve("small.csv");
        Files.writeString(path, "a,b,c,d,e,f,label\n" + csv(data.test(), data.testLabels()));
        Run run = run("--csv", path.toString(), "--detectors", "pca");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("auroc").contains("small").contains("inflated");
    }

    @Test
    void shouldExitWithTwoOnBadUsage() throws Exception {
        Path path = dir.resolve("x.csv");
        Files.writeString(path, "a,label\n1,0\n2,1\n");
        assertThat(run().exitCode()).isEqualTo(2);
        assertThat(run("--csv", path.toString(), "--train", path.toString()).exitCode()).isEqualTo(2);
        assertThat(run("--train", path.toString()).err()).contains("--test");
        assertThat(run("--csv", dir.resolve("nope.csv").toString()).err()).contains("no such file");
        assertThat(run("--csv", path.toString(), "--detectors", "svm").err()).contains("unknown detector 'svm'");
        assertThat(run("--csv", path.toString(), "--format", "xml").exitCode()).isEqualTo(2);
    }

    @Test
    void shouldExitWithOneAndNameTheLineOfAMalformedFile() throws Exception {
        Path path = dir.resolve("bad.csv");
        Files.writeString(path, "a,label\n1,0\nx,1\n");
        Run run = run("--csv", path.toString(), "--detectors", "pca");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains(path + ":3:");
    }
}
