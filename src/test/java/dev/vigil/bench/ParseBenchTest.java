package dev.vigil.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.config.VigilSettings;
import dev.vigil.ingest.InvalidRecordException;
import dev.vigil.ingest.ParsedRecord;
import dev.vigil.ingest.RecordParser;
import java.io.OutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class ParseBenchTest {

    private static final VigilSettings.Ingest INGEST = VigilSettings.defaults().ingest();

    @Test
    void shouldParseFlatAndNestedRecordsToTheSameEntityTimestampAndFeatures() throws InvalidRecordException {
        // The bench compares like with like: only the layout, and so the way values are found, differs.
        assertThat(ParseBench.flatSpec().hasPaths()).as("flat spec takes the plain field look-ups").isFalse();
        assertThat(ParseBench.nestedSpec().hasPaths()).as("nested spec reads through JSON Pointers").isTrue();
        RecordParser flatParser = INGEST.parser(ParseBench.flatSpec());
        RecordParser nestedParser = INGEST.parser(ParseBench.nestedSpec());
        byte[][] flat = ParseBench.records(200, false, 7);
        byte[][] nested = ParseBench.records(200, true, 7);
        for (int i = 0; i < flat.length; i++) {
            ParsedRecord f = flatParser.parse(null, flat[i], 0L);
            ParsedRecord n = nestedParser.parse(null, nested[i], 0L);
            assertThat(n.entity()).isEqualTo(f.entity()).isEqualTo("host-" + (i % 32));
            assertThat(n.eventTime()).isEqualTo(f.eventTime()).isEqualTo(1700000000000L + i);
            assertThat(n.features()).hasSize(ParseBench.FIELDS.size()).containsExactly(f.features());
            for (double v : f.features()) {
                assertThat(v).as("a value, not a missing one").isBetween(0.0, 100.0);
            }
        }
    }

    @Test
    void shouldReportEveryLayoutAndTheRatioOfNestedToFlat() {
        ParseBench.Result r = ParseBench.run(2000, 2, 42, INGEST, new PrintStream(OutputStream.nullOutputStream()));

        assertThat(r.records()).isEqualTo(2000);
        assertThat(r.rounds()).isEqualTo(2);
        assertThat(r.flatUs()).isPositive();
        assertThat(r.nestedUs()).isPositive();
        assertThat(r.generatorUs()).isPositive();
        assertThat(r.nestedRatio()).isEqualTo(r.nestedUs() / r.flatUs());
        // The nested layout adds the "tags" and "fields" wrappers around the same members.
        assertThat(r.nestedBytes()).isGreaterThan(r.flatBytes());
        assertThat(r.generatorBytes()).as("38 fields").isGreaterThan(r.nestedBytes());
    }
}
