package dev.vigil.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.OutcomeTally;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.model.ModelBundle;
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
 * Cold start on the real broker: an empty cluster, no model anywhere. Records are labelled
 * {@code unscored} (never dropped) and fill the first window; the first model is trained and
 * published as v1 once the window holds {@code vigil.train.min.records}, and not before.
 */
@ExtendWith(KafkaBroker.class)
class ColdStartIT {

    @TempDir
    Path state;

    @Test
    void shouldLabelRecordsUnscoredUntilTheWindowHoldsTheMinimumThenPublishV1AndScoreWithIt() {
        Rig rig = new Rig("cold-start", 2, Map.of());
        TrafficGenerator traffic = new TrafficGenerator(Rig.traffic(7, 0));
        try (VigilService service = rig.start(state); OutcomeTally tally = rig.tally()) {
            int port = service.httpPort();
            Map<SourceId, GeneratedRecord> almost = rig.send(traffic.next(Rig.MIN_RECORDS - 1));
            Rig.awaitOutcomes(tally, almost.keySet(), Duration.ofSeconds(60));
            // The gauge is set by the same tick that decides whether training is due.
            Await.until("a window one record short of the minimum", Duration.ofSeconds(30),
                    () -> Rig.windowSize(port) == Rig.MIN_RECORDS - 1);
            assertThat(Rig.trainingRuns(port, "promoted") + Rig.trainingRuns(port, "failed")
                    + Rig.trainingRuns(port, "rejected")).as("no training below the minimum").isZero();
            assertThat(rig.registry().newestVersion()).isZero();

            Map<SourceId, GeneratedRecord> last = rig.send(traffic.next(1));
            Await.until("model v1 in use", Duration.ofSeconds(60), () -> service.models().currentVersion() == 1);
            Map<Long, ModelBundle> published = rig.registry().versions(Rig.SPEC);
            assertThat(published).containsOnlyKeys(1L);

            // Traffic like the window's: the same stretch of the daily cycle (records 0 to 1,000 of another seed), later
            // in event time. The next 1,000 records of the same generator run past the highest traffic level v1 saw, and
            // a 1,500-record model's threshold put 0 or 11 of them (0 or 1.1%) over it from run to run.
            Map<SourceId, GeneratedRecord> after = rig.send(new TrafficGenerator(Rig.traffic(8, Rig.MIN_RECORDS)).next(1_000));
            Rig.awaitOutcomes(tally, after.keySet(), Duration.ofSeconds(60));

            Map<SourceId, OutcomeTally.Outcome> outcomes = tally.outcomes();
            assertThat(outcomes).as("one outcome per input offset, none lost, none extra")
                    .hasSize(almost.size() + last.size() + after.size())
                    .containsKeys(almost.keySet().toArray(SourceId[]::new))
                    .containsKeys(last.keySet().toArray(SourceId[]::new))
                    .containsKeys(after.keySet().toArray(SourceId[]::new));
            assertThat(Rig.concat(almost.keySet(), last.keySet())).allSatisfy(id ->
                    assertThat(outcomes.get(id).outcome()).isEqualTo("unscored"));
            assertThat(after.keySet()).allSatisfy(id -> {
                assertThat(outcomes.get(id).outcome()).isIn("normal", "anomaly");
                assertThat(outcomes.get(id).modelVersion()).isEqualTo(1);
            });
            long falseAlarms = after.entrySet().stream()
                    .filter(e -> e.getValue().isNormal() && outcomes.get(e.getKey()).outcome().equals("anomaly")).count();
            long normal = after.values().stream().filter(GeneratedRecord::isNormal).count();
            org.slf4j.LoggerFactory.getLogger(ColdStartIT.class).info("cold start: v1 flagged {} of {} normal records", falseAlarms, normal);
            assertThat((double) falseAlarms / normal).as("v1 fits the traffic it was trained on").isLessThan(0.01);
        }
    }
}
