package dev.vigil.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.score.SourceId;
import dev.vigil.service.VigilService;
import dev.vigil.testsupport.Await;
import dev.vigil.testsupport.KafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restart on the same state directory: the service comes back scoring with the model version it
 * had (from the models topic's global store) and the same training window (from its local store),
 * without a cold start and without training again.
 */
@ExtendWith(KafkaBroker.class)
class RestartIT {

    @TempDir
    Path state;

    @Test
    void shouldResumeWithTheSameModelVersionAndWindowWithoutRetrainingAfterARestart() {
        Rig rig = new Rig("restart", 2, Map.of());
        TrafficGenerator traffic = new TrafficGenerator(Rig.traffic(31, 0));
        long windowBefore;
        long calibrationOnlyBefore;
        VigilService first = rig.start(state);
        try (Rig.Scores scores = rig.new Scores()) {
            try (first) {
                Map<SourceId, GeneratedRecord> coldStart = rig.send(traffic.next(Rig.MIN_RECORDS));
                Await.until("model v1", Duration.ofSeconds(60), () -> first.models().currentVersion() == 1);
                Map<SourceId, GeneratedRecord> more = rig.send(traffic.next(600));
                Map<SourceId, JsonNode> scored = scores.await(Rig.concat(coldStart.keySet(), more.keySet()), Duration.ofSeconds(60));
                rig.awaitTrainingTopicConsumed(Duration.ofSeconds(30));
                windowBefore = Rig.admitted(scored.values(), 0.01); // vigil.train.admit.min.pvalue's default
                int port = first.httpPort();
                Await.until("the window to hold every admitted record", Duration.ofSeconds(30),
                        () -> Rig.trainableWindowSize(port) == windowBefore);
                calibrationOnlyBefore = Rig.windowCalibrationOnly(port);
                assertThat(windowBefore).isGreaterThan(Rig.MIN_RECORDS);
            }

            try (VigilService second = rig.start(state)) {
                int port = second.httpPort();
                Await.until("the restarted service to score with v1", Duration.ofSeconds(60),
                        () -> second.models().currentVersion() == 1);
                Await.until("the restored window", Duration.ofSeconds(60), () -> Rig.trainableWindowSize(port) == windowBefore);
                assertThat(Rig.windowCalibrationOnly(port)).as("calibration-only records restored").isEqualTo(calibrationOnlyBefore);
                Map<SourceId, GeneratedRecord> after = rig.send(traffic.next(300));
                Map<SourceId, JsonNode> scored = scores.await(after.keySet(), Duration.ofSeconds(60));
                assertThat(scored.values()).as("no cold start after the restart").allSatisfy(s -> {
                    assertThat(Rig.outcome(s)).isIn("normal", "anomaly");
                    assertThat(s.get("model_version").asLong()).isEqualTo(1);
                });
                rig.awaitTrainingTopicConsumed(Duration.ofSeconds(30));
                long expected = windowBefore + Rig.admitted(scored.values(), 0.01);
                Await.until("the window to keep growing from where it was", Duration.ofSeconds(30),
                        () -> Rig.trainableWindowSize(port) == expected);
                assertThat(Rig.trainingRuns(port, "promoted") + Rig.trainingRuns(port, "rejected")
                        + Rig.trainingRuns(port, "failed")).as("no training from scratch after the restart").isZero();
                assertThat(rig.registry().newestVersion()).isEqualTo(1);
            }
        }
    }
}
