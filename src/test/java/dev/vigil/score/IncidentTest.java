package dev.vigil.score;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The incident store's entries: a round trip, and entries written by the version before incidents resolved. */
class IncidentTest {

    @Test
    void shouldReadBackWhatItWrote() {
        IncidentProcessor.Incident incident = new IncidentProcessor.Incident("in:0:7", 1_000, 9_000, 3, 80.5, 123_456);

        assertThat(IncidentProcessor.Incident.fromBytes(incident.toBytes())).isEqualTo(incident);
    }

    @Test
    void shouldReadAnEntryWithoutWallClockTimeAndNeitherStopNorCloseItOnUpgrade() {
        byte[] id = "in:0:7".getBytes(StandardCharsets.UTF_8);
        byte[] old = ByteBuffer.allocate(4 + id.length + 8 * 4)
                .putInt(id.length).put(id).putLong(1_000).putLong(9_000).putLong(3).putDouble(80.5).array();

        IncidentProcessor.Incident read = IncidentProcessor.Incident.fromBytes(old);

        assertThat(read).isEqualTo(new IncidentProcessor.Incident("in:0:7", 1_000, 9_000, 3, 80.5, IncidentProcessor.Incident.UNKNOWN));
        assertThat(read.closedAt(Long.MIN_VALUE, 60_000, true, 10_000))
                .as("not closed by a wall clock it never had: the first sweep dates it").isFalse();
        assertThat(read.touched(60_000).closedAt(Long.MIN_VALUE, 71_000, true, 10_000)).isTrue();
    }
}
