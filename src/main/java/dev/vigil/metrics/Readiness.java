package dev.vigil.metrics;

import java.util.Objects;
import java.util.Optional;
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
     * The usual rule: ready while Kafka Streams is {@code RUNNING} and the Kafka cluster answers,
     * either with a model or in cold start (no model yet, which is by design: records are labelled
     * unscored, not dropped). Kafka Streams stays {@code RUNNING} through a broker outage, so the
     * cluster is a signal of its own.
     *
     * @param state          the Kafka Streams client state
     * @param modelVersion   the version of the model in use, empty in cold start
     * @param clusterProblem why the Kafka cluster counts as unreachable, empty while it answers
     */
    public static Readiness of(KafkaStreams.State state, OptionalLong modelVersion, Optional<String> clusterProblem) {
        Objects.requireNonNull(state, "state");
        if (state != KafkaStreams.State.RUNNING) {
            return notReady(clusterProblem.map(p -> state.name() + "; " + p).orElse(state.name()));
        }
        if (clusterProblem.isPresent()) {
            return notReady(clusterProblem.get() + " (Kafka Streams still says " + state.name() + ")");
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
