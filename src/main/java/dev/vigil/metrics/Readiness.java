package dev.vigil.metrics;

import java.util.Objects;
import java.util.OptionalLong;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What {@code /readyz} answers: whether this instance should receive traffic, and why, in words an
 * operator reads in a probe failure. The body is {@code "ready: <detail>"} or
 * {@code "not ready: <detail>"}.
 *
 * @param ready  true when the instance is serving
 * @param detail a short human-readable reason, never null
 */
public record Readiness(boolean ready, String detail) {

    public Readiness {
        Objects.requireNonNull(detail, "detail");
    }

    public static Readiness ready(String detail) {
        return new Readiness(true, detail);
    }

    public static Readiness notReady(String detail) {
        return new Readiness(false, detail);
    }

    /**
     * The usual rule: ready while Kafka Streams is {@code RUNNING}, either with a model or in cold
     * start (no model yet, which is by design: records are labelled unscored, not dropped).
     *
     * @param state        the Kafka Streams client state
     * @param modelVersion the version of the model in use, empty in cold start
     */
    public static Readiness of(KafkaStreams.State state, OptionalLong modelVersion) {
        Objects.requireNonNull(state, "state");
        if (state != KafkaStreams.State.RUNNING) {
            return notReady(state.name());
        }
        return modelVersion.isPresent()
                ? ready(state.name() + ", model v" + modelVersion.getAsLong())
                : ready(state.name() + ", cold start (no model yet, records are unscored)");
    }

    /** The response body. */
    public String body() {
        return (ready ? "ready: " : "not ready: ") + detail;
    }
}
