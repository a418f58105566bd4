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
class VaeDetectorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void shouldRankObviousAnomaliesHighWhereARandomDetectorIsAtChance() throws Exception {
        Path file = dir.resolve("plane.csv");
        Files.writeString(file, csv(SyntheticData.dataset(11, 1, 1800, 200)));
        String[] args = {"--csv", file.toString(), "--detectors", "vae,vae_iwae,random", "--format", "json", "--seed", "3"};

        List<JsonNode> lines = evaluate(args);

        assertThat(lines).extracting(n -> n.get("detector").asText()).containsExactly("vae", "vae_iwae", "random");
        JsonNode vae = lines.get(0);
        JsonNode iwae = lines.get(1);
        assertThat(vae.get("auroc").asDouble()).isGreaterThan(0.95);
        assertThat(iwae.get("auroc").asDouble()).isGreaterThan(0.95);
        // 600 test rows, 60 anomalies: sd of a random AUROC ~0.039, so 0.2 is 5 sd.
        assertThat(lines.get(2).get("auroc").asDouble()).isBetween(0.3, 0.7);
        // The VAE calibrates its own threshold on held-out rows: an FPR is reported, a random detector has none.
        assertThat(vae.get("fpr_at_threshold").isNumber()).isTrue();
        assertThat(iwae.get("fpr_at_threshold").isNumber()).isTrue();
        assertThat(lines.get(2).get("fpr_at_threshold").isNull()).isTrue();
        // Training is contaminated with 2% anomalies, so the 1e-3 threshold is loose but must not flag most normal rows.
        assertThat(vae.get("fpr_at_threshold").asDouble()).isLessThan(0.1);

        assertThat(strip(evaluate(args))).as("same seed, same numbers").isEqualTo(strip(lines));
    }

    @Test
    void shouldAttributeAnAnomalyToTheFeatureThatWasPushedOffThePlane() {
        // Normal rows near a 2-d plane in 6 dimensions; an anomaly pushes one known feature off it.
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        double[][] mixing = new double[6][2];
        for (double[] m : mixing) {
            m[0] = random.nextDouble(-1, 1);
            m[1] = random.nextDouble(-1, 1);
        }
        double[][] train = new double[1500][];
        for (int i = 0; i < train.length; i++) {
            train[i] = onPlane(random, mixing);
        }
        int[] pushed = new int[60];
        double[][] anomalies = new double[pushed.length][];
        for (int i = 0; i < anomalies.length; i++) {
            pushed[i] = i % 6;
            anomalies[i] = onPlane(random, mixing);
            anomalies[i][pushed[i]] += i % 2 == 0 ? 1.0 : -1.0;
        }
        VaeDetector detector = new VaeDetector(VaeDetector.Score.ELBO, 1);
        detector.fit(train);

        int[][] top = detector.topFeatures(anomalies, 3);

        int hits = 0;
        for (int i = 0; i < anomalies.length; i++) {
            assertThat(top[i]).hasSize(3).doesNotHaveDuplicates();
            hits += top[i][0] == pushed[i] ? 1 : 0;
        }
        // A random ranking would put the pushed feature first 1 time in 6.
        assertThat(hits).as("anomalies whose top feature is the pushed one").isGreaterThan(anomalies.length * 7 / 10);
    }

    private static double[] onPlane(java.util.SplittableRandom random, double[][] mixing) {
        double z0 = gaussian(random);
        double z1 = gaussian(random);
        double[] x = new double[mixing.length];
        for (int j = 0; j < x.length; j++) {
            x[j] = mixing[j][0] * z0 + mixing[j][1] * z1 + 0.05 * gaussian(random);
        }
        return x;
    }

    private static double gaussian(java.util.SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    private static List<String> strip(List<JsonNode> lines) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : lines) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) n).remove(List.of("train_seconds", "score_seconds"));
            out.add(n.toString());
        }
        return out;
    }

    private static List<JsonNode> evaluate(String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new EvaluateCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        assertThat(code).as(err.toString()).isZero();
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : out.toString().split("\n")) {
            if (!line.isBlank()) {
                nodes.add(JSON.readTree(line));
            }
        }
        return nodes;
    }

    private static String csv(EvalDataset data) {
        StringBuilder sb = new StringBuilder("a,b,c,d,e,f,label\n");
        for (int i = 0; i < data.test().length; i++) {
            for (double v : data.test()[i]) {
                sb.append(String.format(Locale.ROOT, "%.6f,", v));
            }
            sb.append(data.testLabels()[i]).append('\n');
        }
        return sb.toString();
    }
}
