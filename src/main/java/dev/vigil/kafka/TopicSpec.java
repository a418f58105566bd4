package dev.vigil.kafka;

import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A topic as Vigil wants it to exist: name, partition count, replication factor and topic-level
 * configs (e.g. {@code cleanup.policy=compact} for the models topic). Immutable.
 */
public record TopicSpec(String name, int partitions, short replication, Map<String, String> configs) {

    public TopicSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a topic needs a non-empty name");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("topic '" + name + "' needs at least 1 partition, got " + partitions);
        }
        if (replication < 1) {
            throw new IllegalArgumentException("topic '" + name + "' needs a replication factor of at least 1, got " + replication);
        }
        configs = configs == null ? Map.of() : Map.copyOf(configs);
    }

    /** A topic with the given partitions, replication factor 1 and broker-default configs. */
    public static TopicSpec of(String name, int partitions) {
        return new TopicSpec(name, partitions, (short) 1, Map.of());
    }

    /** The same topic with one more topic-level config. */
    public TopicSpec withConfig(String key, String value) {
        Map<String, String> merged = new java.util.HashMap<>(configs);
        merged.put(key, value);
        return new TopicSpec(name, partitions, replication, merged);
    }

    /** The AdminClient request that creates this topic. */
    public NewTopic toNewTopic() {
        return new NewTopic(name, partitions, replication).configs(configs);
    }
}
