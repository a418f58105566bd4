package dev.vigil.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.cli.VigilCommand;
import dev.vigil.config.VigilConfig;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.ScoreBatch;
import dev.vigil.model.VaeScorer;
import dev.vigil.score.SourceId;
import dev.vigil.service.VigilService;
import dev.vigil.testsupport.Await;
import dev.vigil.testsupport.KafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code vigil model rollback} with two instances sharing the input (same application id, own
 * state directories, two input partitions): v1 is an offline model, v2 the window's retraining;
 * rolling back to v1 republishes it as v3, and every instance then scores exactly as v1 did.
 */
@ExtendWith(KafkaBroker.class)
class RollbackIT {

    private static final Logger LOG = LoggerFactory.getLogger(RollbackIT.class);

    @TempDir
    Path files;
    @TempDir
    Path stateA;
    @TempDir
    Path stateB;

    @Test
    void shouldScoreWithTheOldWeightsOnEveryInstanceAfterARollback() {
        Path offline = Rig.offlineModel(files, 41, 3_000);
        // Versions come from the operator commands only here: a window retraining could be (rightly) rejected.
        Rig rig = new Rig("rollback", 2, Map.of(VigilConfig.MODEL_FILE, offline.toString(),
                VigilConfig.TRAIN_ENABLED, "false"));
        TrafficGenerator traffic = new TrafficGenerator(Rig.traffic(42, 0));
        try (VigilService a = rig.start(stateA); VigilService b = rig.start(stateB); Rig.Scores scores = rig.new Scores()) {
            List<VigilService> instances = List.of(a, b);
            Await.until("v1 on both instances", Duration.ofSeconds(60), () -> versions(instances).equals(List.of(1L, 1L)));
            rig.send(traffic.next(500));
            Path cliConfig = rig.configFile(files.resolve("cli"), files.resolve("cli-state"), 0);
            Path other = Rig.offlineModel(files, 43, 3_000);
            assertThat(VigilCommand.execute("model", "publish", "--file", other.toString(), "--config", cliConfig.toString())).isZero();
            Await.until("the published v2 on both instances", Duration.ofSeconds(60),
                    () -> versions(instances).equals(List.of(2L, 2L)));

            long start = System.nanoTime();
            int exit = VigilCommand.execute("model", "rollback", "--to", "1", "--config", cliConfig.toString());
            assertThat(exit).isZero();
            Await.until("v3 (v1's weights) on both instances", Duration.ofSeconds(30),
                    () -> versions(instances).equals(List.of(3L, 3L)));
            LOG.info("rollback published to both instances scoring with v3: {} ms", (System.nanoTime() - start) / 1_000_000);

            Map<Long, ModelBundle> published = rig.registry().versions(Rig.SPEC);
            List<GeneratedRecord> records = traffic.next(400);
            Map<SourceId, GeneratedRecord> sent = rig.send(records);
            Map<SourceId, JsonNode> scored = scores.await(sent.keySet(), Duration.ofSeconds(60));
            assertThat(scored.values()).extracting(s -> s.get("partition").asInt()).as("both instances scored").contains(0, 1);
            double[][] rows = Rig.features(new ArrayList<>(sent.values()));
            double[] v1 = offlineScores(published.get(1L), rows);
            double[] v2 = offlineScores(published.get(2L), rows);
            List<JsonNode> live = new ArrayList<>(scored.values());
            double v2Difference = 0;
            for (int i = 0; i < rows.length; i++) {
                assertThat(live.get(i).get("model_version").asLong()).isEqualTo(3);
                assertThat(live.get(i).get("score").asDouble()).as("record %d scored as v1 scores it", i)
                        .isCloseTo(v1[i], within(1e-6 * Math.max(1, Math.abs(v1[i]))));
                v2Difference = Math.max(v2Difference, Math.abs(v2[i] - v1[i]));
            }
            assertThat(v2Difference).as("v2's weights score differently, so the comparison can tell them apart").isGreaterThan(1e-3);
        }
    }

    private static List<Long> versions(List<VigilService> instances) {
        return instances.stream().map(s -> s.models().currentVersion()).toList();
    }

    private static double[] offlineScores(ModelBundle bundle, double[][] rows) {
        try (VaeScorer scorer = VaeScorer.open(bundle)) {
            ScoreBatch batch = scorer.score(rows);
            double[] out = new double[rows.length];
            for (int i = 0; i < rows.length; i++) {
                out[i] = batch.score(i);
            }
            return out;
        }
    }
}
