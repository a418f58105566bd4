package dev.vigil.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void shouldGivePercentilesWithinThreePercentOfTheExactOnes() {
        LatencyHistogram histogram = new LatencyHistogram();
        Latencies exact = new Latencies();
        Random random = new Random(7);
        for (int i = 0; i < 100_000; i++) {
            // Log-uniform from 10 us to 1 s: every scale the bench meets.
            long nanos = (long) Math.pow(10, 4 + 5 * random.nextDouble());
            histogram.record(nanos);
            exact.add(nanos);
        }
        for (double q : new double[] {0.01, 0.5, 0.9, 0.99, 0.999}) {
            double want = exact.percentileMs(q);
            assertThat(histogram.percentileMs(q)).as("q = %s", q).isCloseTo(want, within(want * 0.03));
        }
        assertThat(histogram.percentileMs(1)).isEqualTo(exact.percentileMs(1));
        assertThat(histogram.count()).isEqualTo(100_000);
    }

    @Test
    void shouldCountARecordOfManyValuesAsThatManyValues() {
        LatencyHistogram histogram = new LatencyHistogram();
        histogram.record(1_000_000, 99);
        histogram.record(50_000_000, 1);

        assertThat(histogram.count()).isEqualTo(100);
        assertThat(histogram.percentileMs(0.99)).isCloseTo(1.0, within(0.03));
        assertThat(histogram.percentileMs(1)).isEqualTo(50.0);
    }

    @Test
    void shouldForgetEverythingOnReset() {
        LatencyHistogram histogram = new LatencyHistogram();
        histogram.record(5_000_000);
        histogram.reset();

        assertThat(histogram.count()).isZero();
        assertThat(histogram.percentileMs(0.5)).isNaN();
        histogram.record(2_000_000);
        assertThat(histogram.percentileMs(1)).isEqualTo(2.0);
    }

    @Test
    void shouldPutEveryValueInTheBucketThatHoldsIt() {
        long[] values = {0, 1, 31, 32, 33, 63, 64, 65, 1_000, 123_456_789, Long.MAX_VALUE};
        for (long v : values) {
            int bucket = LatencyHistogram.bucket(v);
            assertThat(LatencyHistogram.lowest(bucket)).as("lowest of the bucket of %d", v).isLessThanOrEqualTo(v);
            if (v < Long.MAX_VALUE && LatencyHistogram.bucket(v + 1) != bucket) {
                assertThat(LatencyHistogram.lowest(bucket + 1)).isEqualTo(v + 1);
            }
        }
        assertThat(LatencyHistogram.bucket(-5)).isZero();
    }
}
