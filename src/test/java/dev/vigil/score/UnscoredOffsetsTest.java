package dev.vigil.score;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class UnscoredOffsetsTest {

    private final TopicPartition a = new TopicPartition("in", 0);
    private final TopicPartition b = new TopicPartition("in", 1);
    private final UnscoredOffsets unscored = new UnscoredOffsets();

    @Test
    void shouldCommitUpToTheOldestHeldRecordAndKeepTheMetadata() {
        unscored.hold(a, 40);
        unscored.hold(a, 45); // behind the first: the commit still stops at 40
        Map<TopicPartition, OffsetAndMetadata> clamped = unscored.clampCommit(Map.of(
                a, new OffsetAndMetadata(50, Optional.of(3), "partition time"),
                b, new OffsetAndMetadata(70, Optional.of(3), "other")));
        assertThat(clamped.get(a)).isEqualTo(new OffsetAndMetadata(40, Optional.empty(), "partition time"));
        assertThat(clamped.get(b)).as("a partition with nothing held").isEqualTo(new OffsetAndMetadata(70, Optional.of(3), "other"));
    }

    @Test
    void shouldNeverRaiseACommit() {
        unscored.hold(a, 90);
        assertThat(unscored.clampCommit(Map.of(a, new OffsetAndMetadata(50))).get(a).offset()).isEqualTo(50);
    }

    @Test
    void shouldCommitEverythingOnceTheHeldRecordsAreScored() {
        unscored.hold(a, 40);
        unscored.release(a);
        assertThat(unscored.oldestUnscored(a)).isEmpty();
        assertThat(unscored.clampCommit(Map.of(a, new OffsetAndMetadata(50))).get(a).offset()).isEqualTo(50);
        unscored.hold(a, 55); // the next batch holds again from its own first record
        assertThat(unscored.clampCommit(Map.of(a, new OffsetAndMetadata(60))).get(a).offset()).isEqualTo(55);
    }
}
