package dev.vigil.score;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Where each input partition's oldest record that the scoring processor accepted but has not scored yet
 * sits, so that a commit stops there. Under at-least-once this is what keeps the micro-batch buffer safe
 * without a store: Kafka Streams commits the offset of every record a processor has accepted, and a commit
 * clamped to the oldest unscored record makes a restart read the unscored records again. The buffer is
 * scored in input order, so everything before that offset has its outcome.
 *
 * <p>One instance per Kafka Streams client: its scoring processors {@link #hold} and {@link #release}
 * partitions, and its consumer clamps commits ({@link dev.vigil.service.HeldCommits}). A partition
 * belongs to one task, so one processor, at a time. With context the scoring processor reads Vigil's
 * repartition topic, which Vigil declares itself: Kafka Streams never purges it, so held records stay
 * there until its retention (a week) ends.
 */
public final class UnscoredOffsets {

    private final Map<TopicPartition, Long> oldest = new ConcurrentHashMap<>();

    /** Records that {@code offset} of {@code partition} is unscored, unless an older record of it already is. */
    void hold(TopicPartition partition, long offset) {
        oldest.putIfAbsent(partition, offset);
    }

    /** Every record of {@code partition} that was held has its outcome. */
    void release(TopicPartition partition) {
        oldest.remove(partition);
    }

    /** The oldest unscored offset of {@code partition}, if one is held. */
    public Optional<Long> oldestUnscored(TopicPartition partition) {
        return Optional.ofNullable(oldest.get(partition));
    }

    /**
     * The offsets to commit: {@code offsets} with each held partition's offset lowered to its oldest unscored
     * record. The leader epoch goes with a lowered offset, since it was the epoch of the offset it replaces;
     * the metadata (Kafka Streams' partition time) stays.
     */
    public Map<TopicPartition, OffsetAndMetadata> clampCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (oldest.isEmpty()) {
            return offsets;
        }
        Map<TopicPartition, OffsetAndMetadata> clamped = new HashMap<>(offsets);
        offsets.forEach((partition, committed) -> {
            Long unscored = oldest.get(partition);
            if (unscored != null && unscored < committed.offset()) {
                clamped.put(partition, new OffsetAndMetadata(unscored, Optional.empty(), committed.metadata()));
            }
        });
        return clamped;
    }
}
