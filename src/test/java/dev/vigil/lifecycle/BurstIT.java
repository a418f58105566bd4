package dev.vigil.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.config.VigilConfig;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.demo.Truth;
import dev.vigil.score.SourceId;
import dev.vigil.service.VigilService;
import dev.vigil.testsupport.Await;
import dev.vigil.testsupport.KafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A burst of anomalies shorter than the shift rule, on the real broker. For a stretch of event time
 * shorter than {@link Rig#SHIFT_RULE_RECORDS}, starting mid-way through one of the shift detector's
 * buckets, about four records in five are spikes: an anomaly rate far above {@code
 * vigil.train.shift.alert.rate}, but not for long enough. The window admits only what the normal
 * rule admits (judged normal with a p-value of at least {@code vigil.train.admit.min.pvalue}), so
 * no spike the model flags enters it (at most a tenth of the spikes, those the model misses); no shift is counted; the retraining that follows the burst (by count)
 * promotes a model that still flags such a burst.
 *
 * <p>One input partition, so the window task sees the samples in event-time order: with several,
 * each scoring task's batches arrive in turn and the detector counts the late ones in its current
 * bucket, which blurs where a burst begins and ends.
 */
@ExtendWith(KafkaBroker.class)
@Tag("functional")
class BurstIT {

    private static final Logger LOG = LoggerFactory.getLogger(BurstIT.class);
    private static final double ADMIT_MIN_P_VALUE = 0.01; // vigil.train.admit.min.pvalue's default
    /** Generators of all-anomaly traffic whose spikes fill a burst: at each position the first one with a spike gives it. */
    private static final int SPIKE_SOURCES = 6;
    private static final String SPIKE = Truth.AnomalyKind.SPIKE.label();

    @TempDir
    Path state;
    @TempDir
    Path files;

    @Test
    void shouldKeepABurstOfTwoThirdsOfTheRuleOutOfTheWindowAndStillFlagSuchBurstsAfterTheNextRetraining() {
        // 150 records touch 5 of the detector's 40-record buckets.
        burstThenRetraining(150);
    }

    /**
     * Fails on the current code: a burst of 200 records (five sixths of the rule) starting mid-bucket
     * touches six buckets, each with a spike share above the bound, so {@link dev.vigil.train.ShiftDetector}
     * counts a shift; the ordinary traffic after it then "settles" the shift and WindowProcessor
     * evicts every record from before it, though no model was trained after it. See the report of
     * the lifecycle2 branch for both fixes.
     */
    @Test
    void shouldKeepABurstOfFiveSixthsOfTheRuleOutOfTheWindowAndStillFlagSuchBurstsAfterTheNextRetraining() {
        burstThenRetraining(200);
    }

    private void burstThenRetraining(int burstRecords) {
        Path model = Rig.offlineModel(files, 201, 4_000);
        // Retrain once the window took 2,000 records: only after the traffic that follows the burst.
        Rig rig = new Rig("burst", 1, Map.of(VigilConfig.MODEL_FILE, model.toString(),
                VigilConfig.TRAIN_RETRAIN_RECORDS, "2000"));
        try (VigilService service = rig.start(state); Rig.Scores scores = rig.new Scores()) {
            int port = service.httpPort();
            Await.until("the offline model as v1", Duration.ofSeconds(60), () -> service.models().currentVersion() == 1);

            // 1,620 records of ordinary traffic: the burst then starts half-way through a shift-detector bucket.
            long position = 0;
            Map<SourceId, GeneratedRecord> before = rig.send(new TrafficGenerator(Rig.traffic(202, position)).next(1_620));
            position += 1_620;
            long windowBefore = Rig.admitted(scores.await(before.keySet(), Duration.ofSeconds(60)).values(), ADMIT_MIN_P_VALUE);
            awaitWindow(rig, port, windowBefore);

            Map<SourceId, GeneratedRecord> burst = rig.send(spikeBurst(203, position, burstRecords));
            position += burstRecords;
            Map<SourceId, JsonNode> burstScores = scores.await(burst.keySet(), Duration.ofSeconds(60));
            long spikes = burst.values().stream().filter(r -> r.truth().equals(SPIKE)).count();
            long burstAdmitted = Rig.admitted(burstScores.values(), ADMIT_MIN_P_VALUE);
            long spikesAdmitted = burst.entrySet().stream().filter(e -> e.getValue().truth().equals(SPIKE)
                    && Rig.admitted(List.of(burstScores.get(e.getKey())), ADMIT_MIN_P_VALUE) == 1).count();
            awaitWindow(rig, port, windowBefore + burstAdmitted);
            assertThat((double) spikes / burstRecords).as("share of spikes in the burst").isGreaterThan(0.5);
            // The window takes exactly what the rule admits (awaitWindow above); which spikes the rule admits is the
            // model's doing. A 4,000-record model misses a few (an eu host's latency x4 is an ap host's usual one):
            // held to the bar v2 is held to below.
            assertThat((double) spikesAdmitted / spikes).as("share of the burst's spikes judged normal enough to enter the window")
                    .isLessThanOrEqualTo(0.1);
            assertThat(burstAdmitted).as("the window grew by no more than the burst's normal records and the spikes the model missed")
                    .isLessThanOrEqualTo(burstRecords - spikes + spikesAdmitted);
            assertThat(Rig.shifts(port)).as("shifts counted for a burst shorter than the rule").isZero();

            // Ordinary traffic after the burst until the window took enough records for a retraining.
            Map<SourceId, GeneratedRecord> after = rig.send(new TrafficGenerator(Rig.traffic(204, position)).next(600));
            position += 600;
            long afterAdmitted = Rig.admitted(scores.await(after.keySet(), Duration.ofSeconds(60)).values(), ADMIT_MIN_P_VALUE);
            awaitWindow(rig, port, windowBefore + burstAdmitted + afterAdmitted); // nothing left the window either
            Await.until("the retraining after the burst promoted v2", Duration.ofSeconds(120),
                    () -> service.models().currentVersion() == 2);
            assertThat(Rig.shifts(port)).isZero();

            // A fresh burst of the same kind, scored by the retrained model.
            Map<SourceId, GeneratedRecord> fresh = rig.send(spikeBurst(205, position + 20, burstRecords));
            Map<SourceId, JsonNode> freshScores = scores.await(fresh.keySet(), Duration.ofSeconds(60));
            List<String> freshSpikeOutcomes = new ArrayList<>();
            fresh.forEach((id, r) -> {
                if (r.truth().equals(SPIKE)) {
                    assertThat(freshScores.get(id).get("model_version").asLong()).isEqualTo(2);
                    freshSpikeOutcomes.add(Rig.outcome(freshScores.get(id)));
                }
            });
            long flaggedByV1 = burst.entrySet().stream().filter(e -> e.getValue().truth().equals(SPIKE)
                    && Rig.outcome(burstScores.get(e.getKey())).equals("anomaly")).count();
            long flaggedByV2 = freshSpikeOutcomes.stream().filter("anomaly"::equals).count();
            LOG.info("burst: {} spikes in {} records, v1 flagged {}, {} burst records admitted ({} of them spikes), "
                            + "window {} -> {}; after retraining v2 flagged {}/{} spikes of a fresh burst; shifts {}",
                    spikes, burstRecords, flaggedByV1, burstAdmitted, spikesAdmitted, windowBefore,
                    windowBefore + burstAdmitted, flaggedByV2, freshSpikeOutcomes.size(), Rig.shifts(port));
            assertThat(freshSpikeOutcomes).isNotEmpty();
            assertThat((double) flaggedByV2 / freshSpikeOutcomes.size()).as("spikes of a fresh burst flagged by v2")
                    .isGreaterThanOrEqualTo(0.9);
        }
    }

    /** Waits until the window task consumed every sample and its gauges show {@code expected} trainable records. */
    private static void awaitWindow(Rig rig, int port, long expected) {
        rig.awaitTrainingTopicConsumed(Duration.ofSeconds(30));
        Await.until("a window of " + expected + " trainable records", Duration.ofSeconds(30),
                () -> Rig.trainableWindowSize(port) == expected);
    }

    /**
     * {@code count} records from event position {@code start} on, mostly spikes: at each position the
     * spike of the first of {@link #SPIKE_SOURCES} all-anomaly generators that has one there, else the
     * normal record of that position. Every record keeps its position's event time, so the burst
     * spans exactly {@code count} records of event time.
     */
    static List<GeneratedRecord> spikeBurst(long seed, long start, int count) {
        List<GeneratedRecord> normal = new TrafficGenerator(Rig.traffic(seed, start).withAnomalyRate(0)).next(count);
        List<List<GeneratedRecord>> sources = new ArrayList<>();
        for (int s = 1; s <= SPIKE_SOURCES; s++) {
            sources.add(new TrafficGenerator(Rig.traffic(seed * 1_000 + s, start).withAnomalyRate(1.0)).next(count));
        }
        List<GeneratedRecord> burst = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            GeneratedRecord pick = normal.get(i);
            for (List<GeneratedRecord> source : sources) {
                if (source.get(i).truth().equals(SPIKE)) {
                    pick = source.get(i);
                    break;
                }
            }
            burst.add(pick);
        }
        return burst;
    }
}
