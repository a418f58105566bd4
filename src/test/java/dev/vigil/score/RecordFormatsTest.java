package dev.vigil.score;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecordFormatsTest {

    @Test
    void shouldWriteScoreRecordsExactlyAsDataBindingWould() {
        ScoreRecord scored = new ScoreRecord("in:2:7", "in", 2, 7, "host-1", 1_700_000_000_000L, "anomaly",
                41.25, 1.5e-5, dev.vigil.calibration.Severity.MEDIUM, 30.0, 3L, 4L);
        ScoreRecord unscored = new ScoreRecord("in:0:0", "in", 0, 0, null, -5, "unscored",
                null, null, null, null, null, null);
        ScoreRecord odd = new ScoreRecord("t\"q:0:1", "t\"q", 0, 1, "é\n", 0, "normal", -1e-300, 1.0, dev.vigil.calibration.Severity.NONE, 1e300, 0L, 0L);
        for (ScoreRecord r : new ScoreRecord[] {scored, unscored, odd}) {
            assertThat(new String(r.toJson())).isEqualTo(new String(Json.bytes(r)));
        }
    }

    @Test
    void shouldRoundTripBufferedRecordsWithAndWithoutOptionalParts() {
        BufferedRecord full = new BufferedRecord(42, new SourceId("metrics", 3, 1234), 99, "host-7", 100,
                new double[] {1.5, Double.NaN, -3}, new byte[] {1, 2}, "{\"a\":1}".getBytes());
        BufferedRecord bare = new BufferedRecord(0, new SourceId("m", 0, 0), 0, null, 0, new double[0], null, null);
        for (BufferedRecord r : new BufferedRecord[] {full, bare}) {
            BufferedRecord back = BufferedRecord.fromBytes(r.toBytes());
            assertThat(back.sequence()).isEqualTo(r.sequence());
            assertThat(back.source()).isEqualTo(r.source());
            assertThat(back.timestamp()).isEqualTo(r.timestamp());
            assertThat(back.entity()).isEqualTo(r.entity());
            assertThat(back.eventTime()).isEqualTo(r.eventTime());
            assertThat(back.features()).containsExactly(r.features());
            assertThat(back.key()).isEqualTo(r.key());
            assertThat(back.value()).isEqualTo(r.value());
        }
    }
}
