package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ShiftDetectorTest {

    private static final Duration MIN = Duration.ofSeconds(60);

    /** Feeds one record every {@code stepMs} from {@code from} to {@code to} with the given anomaly rate; returns when a shift was reported, or -1. */
    private static long feed(ShiftDetector detector, Random random, long from, long to, long stepMs, double rate) {
        for (long t = from; t < to; t += stepMs) {
            if (detector.observe(t, random.nextDouble() < rate)) {
                return t;
            }
        }
        return -1;
    }

    @Test
    void shouldIgnoreABurstShorterThanTheMinimumDurationHoweverIntense() {
        ShiftDetector detector = new ShiftDetector(0.2, MIN, 5);
        Random random = new Random(1);
        assertThat(feed(detector, random, 0, 300_000, 100, 0.001)).isEqualTo(-1);
        assertThat(feed(detector, random, 300_000, 340_000, 100, 1.0)).isEqualTo(-1); // 40 s of nothing but anomalies
        assertThat(feed(detector, random, 340_000, 900_000, 100, 0.001)).isEqualTo(-1);
    }

    @Test
    void shouldReportASustainedHighRateOnceItHasLastedTheMinimumDuration() {
        ShiftDetector detector = new ShiftDetector(0.2, MIN, 5);
        Random random = new Random(2);
        assertThat(feed(detector, random, 0, 300_000, 100, 0.001)).isEqualTo(-1);
        long reported = feed(detector, random, 300_000, 600_000, 100, 0.5);
        assertThat(reported).isBetween(370_000L, 390_000L);
    }

    @Test
    void shouldIgnoreABurstJustShorterThanTheRuleWhereverItFallsOnTheBuckets() {
        for (long offset = 0; offset < 10_000; offset += 1_000) {
            ShiftDetector detector = new ShiftDetector(0.2, MIN, 5);
            Random random = new Random(offset);
            long start = 300_000 + offset;
            assertThat(feed(detector, random, 0, start, 100, 0.001)).isEqualTo(-1);
            assertThat(feed(detector, random, start, start + 59_000, 100, 1.0)).as("burst at +%d ms", offset).isEqualTo(-1);
            assertThat(feed(detector, random, start + 59_000, 900_000, 100, 0.001)).as("burst at +%d ms", offset).isEqualTo(-1);
        }
    }

    @Test
    void shouldNotReportARateJustBelowTheBound() {
        ShiftDetector detector = new ShiftDetector(0.2, MIN, 5);
        assertThat(feed(detector, new Random(3), 0, 1_200_000, 100, 0.12)).isEqualTo(-1);
    }

    @Test
    void shouldNeedTheRateHighInEveryBucketNotJustOnAverage() {
        ShiftDetector detector = new ShiftDetector(0.2, MIN, 5);
        Random random = new Random(4);
        long reported = -1;
        // 50 s high, 10 s normal, repeated: the average is far above the bound, but no full minute is.
        for (int cycle = 0; cycle < 10 && reported < 0; cycle++) {
            long start = cycle * 60_000L;
            reported = feed(detector, random, start, start + 50_000, 100, 0.6);
            if (reported < 0) {
                reported = feed(detector, random, start + 50_000, start + 60_000, 100, 0.0);
            }
        }
        assertThat(reported).isEqualTo(-1);
    }

    @Test
    void shouldNotCountBucketsWithTooFewSamples() {
        ShiftDetector detector = new ShiftDetector(0.2, MIN, 50);
        // 10 records per 10 s bucket, all anomalous: too few to judge.
        assertThat(feed(detector, new Random(5), 0, 600_000, 1_000, 1.0)).isEqualTo(-1);
    }

    @Test
    void shouldCallTheTrafficSettledOnlyAfterTheRateStayedLowForTheWholeDuration() {
        ShiftDetector detector = new ShiftDetector(0.2, MIN, 5);
        Random random = new Random(6);
        feed(detector, random, 0, 100_000, 100, 0.5);
        assertThat(detector.settled()).isFalse();
        feed(detector, random, 100_000, 140_000, 100, 0.0); // 40 s quiet: not yet a whole minute
        assertThat(detector.settled()).isFalse();
        feed(detector, random, 140_000, 170_000, 100, 0.0);
        assertThat(detector.settled()).isTrue();
        feed(detector, random, 170_000, 200_000, 100, 0.05); // a rate of 5% is not below 1%
        assertThat(detector.settled()).isFalse();
    }
}
