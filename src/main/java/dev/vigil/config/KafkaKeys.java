package dev.vigil.config;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The settings Kafka clients and Kafka Streams know, to catch a misspelled {@code kafka.*} key
 * (Kafka itself only logs unknown keys at its own start, among many lines). Streams' client
 * prefixes ({@code consumer.}, {@code main.consumer.}, {@code producer.}, {@code topic.} ...) are
 * stripped first; a {@code topic.} key is checked against the topic settings.
 */
final class KafkaKeys {

    /** Streams' prefixes, longest first so that {@code main.consumer.} is not read as {@code consumer.}. */
    private static final List<String> CLIENT_PREFIXES = List.of(
            StreamsConfig.MAIN_CONSUMER_PREFIX, StreamsConfig.RESTORE_CONSUMER_PREFIX, StreamsConfig.GLOBAL_CONSUMER_PREFIX,
            StreamsConfig.CONSUMER_PREFIX, StreamsConfig.PRODUCER_PREFIX, StreamsConfig.ADMIN_CLIENT_PREFIX);

    private static final String CONFIG_PROVIDER_PREFIX = AbstractConfig.CONFIG_PROVIDERS_CONFIG + ".";
    private static final Set<String> CLIENT_KEYS = clientKeys();
    private static final Set<String> TOPIC_KEYS = topicKeys();

    private KafkaKeys() {
    }

    /** The keys of {@code keys} (without the {@code kafka.} prefix) that no Kafka configuration knows, in order. */
    static List<String> unknown(Collection<String> keys) {
        return keys.stream().filter(k -> !known(k)).toList();
    }

    static boolean known(String key) {
        if (key.startsWith(StreamsConfig.TOPIC_PREFIX)) {
            return TOPIC_KEYS.contains(key.substring(StreamsConfig.TOPIC_PREFIX.length()));
        }
        for (String prefix : CLIENT_PREFIXES) {
            if (key.startsWith(prefix)) {
                return knownClientKey(key.substring(prefix.length()));
            }
        }
        return knownClientKey(key);
    }

    /**
     * A client setting, or a setting of a named config provider ({@code config.providers.env.class},
     * {@code config.providers.env.param.allowlist.pattern}), whose middle part the user chooses.
     */
    private static boolean knownClientKey(String key) {
        return CLIENT_KEYS.contains(key)
                || (key.startsWith(CONFIG_PROVIDER_PREFIX) && key.length() > CONFIG_PROVIDER_PREFIX.length());
    }

    private static Set<String> clientKeys() {
        Set<String> names = new HashSet<>(StreamsConfig.configDef().names());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(ProducerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        return Set.copyOf(names);
    }

    /** TopicConfig lists the topic settings as {@code *_CONFIG} string constants. */
    private static Set<String> topicKeys() {
        Set<String> names = new HashSet<>();
        for (Field field : TopicConfig.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class && field.getName().endsWith("_CONFIG")) {
                try {
                    names.add((String) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return Set.copyOf(names);
    }
}
