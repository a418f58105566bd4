package dev.vigil.score;

/**
 * Where a record came from; its {@link #id()} ({@code topic:partition:offset}, unambiguous
 * because ':' cannot appear in a topic name) is the deterministic id of everything derived from it,
 * so a record replayed after a crash yields outputs with the same ids.
 */
public record SourceId(String topic, int partition, long offset) {
    public String id() {
        return topic + ':' + partition + ':' + offset;
    }
}
