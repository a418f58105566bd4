package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.score.TrainingSample;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TrainingWindowTest {

    private KeyValueStore<Long, byte[]> samples;
    private TrainingWindow window;

    @BeforeEach
    void setUp() {
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        samples = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("window"), Serdes.Long(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        KeyValueStore<String, Long> meta = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("meta"), Serdes.String(),
                Serdes.Long()).withLoggingDisabled().build();
        samples.init(context.getStateStoreContext(), samples);
        meta.init(context.getStateStoreContext(), meta);
        window = new TrainingWindow(samples, meta);
    }

    private static byte[] sample(long eventTime, double value) {
        return new TrainingSample(eventTime, false, false, Double.NaN, Double.NaN, new double[] {value}).toBytes();
    }

    private static java.util.List<Double> firstColumn(TrainingWindow.Rows rows) {
        return java.util.Arrays.stream(rows.features()).map(r -> r[0]).toList();
    }

    @Test
    void shouldKeepTheNewestSamplesUpToTheMaximumCount() {
        for (int i = 0; i < 10; i++) {
            window.admit(sample(i, i), true, 4);
        }

        assertThat(window.size()).isEqualTo(4);
        assertThat(window.first()).isEqualTo(6);
        assertThat(firstColumn(window.rows(0))).containsExactly(6.0, 7.0, 8.0, 9.0);
        assertThat(samples.approximateNumEntries()).isEqualTo(4);
    }

    @Test
    void shouldEvictByEventTimeUpToTheFirstNewerSample() {
        window.admit(sample(100, 0), true, 100);
        window.admit(sample(200, 1), true, 100);
        window.admit(sample(150, 2), true, 100); // late, but behind a newer one: it stays until that one goes
        window.admit(sample(300, 3), true, 100);

        window.evictOlderThan(180);

        assertThat(firstColumn(window.rows(0))).containsExactly(1.0, 2.0, 3.0);
        window.evictOlderThan(250);
        assertThat(firstColumn(window.rows(0))).containsExactly(3.0);
    }

    @Test
    void shouldDropTheSamplesBeforeASequenceAndSayHowMany() {
        for (int i = 0; i < 6; i++) {
            window.admit(sample(i, i), true, 100);
        }

        assertThat(window.dropBefore(4)).isEqualTo(4);
        assertThat(window.dropBefore(2)).isZero();
        assertThat(firstColumn(window.rows(window.first()))).containsExactly(4.0, 5.0);
        assertThat(firstColumn(window.rows(5))).containsExactly(5.0);
        assertThat(window.rows(6).size()).isZero();
    }

    @Test
    void shouldCountSamplesAdmittedDuringATrainingTowardsTheNextOne() {
        for (int i = 0; i < 5; i++) {
            window.admit(sample(i, i), true, 100);
        }
        long atStart = window.admittedSinceTraining();
        window.admit(sample(5, 5), true, 100);
        window.admit(sample(6, 6), true, 100);

        window.trainingFinished(atStart, 1_000);

        assertThat(atStart).isEqualTo(5);
        assertThat(window.admittedSinceTraining()).isEqualTo(2);
        assertThat(window.lastTrainingMs(5_000)).isEqualTo(1_000);
    }

    @Test
    void shouldStartTheRetrainIntervalAtTheFirstLookAndRememberThePublishedVersion() {
        assertThat(window.lastTrainingMs(42)).isEqualTo(42);
        assertThat(window.lastTrainingMs(99)).isEqualTo(42);
        assertThat(window.lastVersion()).isZero();
        window.published(7);
        assertThat(window.lastVersion()).isEqualTo(7);
    }

    @Test
    void shouldMarkSamplesKeptForCalibrationOnlySoThatTheyStillReadAsNormalSamples() {
        window.admit(sample(1, 1), true, 100);
        window.admit(sample(2, 2), false, 100);
        window.admit(sample(3, 3), true, 100);

        TrainingWindow.Rows rows = window.rows(0);

        assertThat(firstColumn(rows)).containsExactly(1.0, 2.0, 3.0);
        assertThat(rows.trainable()).containsExactly(true, false, true);
        // A trainable sample is stored as it came, as every sample was before the mark existed; a marked one
        // still reads as a normal sample, as an older Vigil reads it.
        assertThat(samples.get(0L)).isEqualTo(sample(1, 1));
        assertThat(TrainingSample.fromBytes(samples.get(1L)).toBytes()).isEqualTo(sample(2, 2));
        assertThat(window.calibrationOnly()).isEqualTo(1);
        window.evictOlderThan(3);
        assertThat(firstColumn(window.rows(0))).containsExactly(3.0);
        assertThat(window.calibrationOnly()).as("counted out when it left").isZero();
    }
}
