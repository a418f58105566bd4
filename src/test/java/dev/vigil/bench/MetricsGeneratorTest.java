package dev.vigil.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.ingest.RecordParser;
import org.junit.jupiter.api.Test;

class MetricsGeneratorTest {

    @Test
    void shouldMakeRecordsTheSpecParsesAndTheSameSeedRepeats() throws Exception {
        RecordParser parser = new RecordParser(MetricsGenerator.spec(), 1 << 20, false);
        MetricsGenerator a = new MetricsGenerator(7, 0.01);
        MetricsGenerator b = new MetricsGenerator(7, 0.01);
        for (int i = 0; i < 200; i++) {
            String host = a.nextHost();
            byte[] value = a.nextValue();
            assertThat(value).isEqualTo(b.nextValue());
            var parsed = parser.parse(null, value, 0L);
            assertThat(parsed.features()).hasSize(MetricsGenerator.FEATURES).doesNotContain(Double.NaN);
            assertThat(parsed.entity()).isEqualTo(host);
        }
    }

    @Test
    void shouldCorrelateFeaturesThroughSharedFactors() {
        double[][] rows = new MetricsGenerator(3, 0).rows(5000);
        // Features 0 and 5 load mainly on the same factor (j % 5): strongly correlated, unlike independent noise.
        assertThat(Math.abs(correlation(rows, 0, 5))).isGreaterThan(0.3);
    }

    private static double correlation(double[][] rows, int a, int b) {
        double ma = 0, mb = 0;
        for (double[] r : rows) {
            ma += r[a];
            mb += r[b];
        }
        ma /= rows.length;
        mb /= rows.length;
        double sab = 0, saa = 0, sbb = 0;
        for (double[] r : rows) {
            sab += (r[a] - ma) * (r[b] - mb);
            saa += (r[a] - ma) * (r[a] - ma);
            sbb += (r[b] - mb) * (r[b] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }
}
