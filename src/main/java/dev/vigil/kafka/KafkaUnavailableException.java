package dev.vigil.kafka;

/**
 * Kafka did not answer in time: the cluster is down, or {@code kafka.bootstrap.servers} (or the
 * security settings) point somewhere it cannot be reached. The message says how long Vigil waited.
 */
public final class KafkaUnavailableException extends RuntimeException {
    public KafkaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
