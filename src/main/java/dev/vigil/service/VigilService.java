package dev.vigil.service;

import dev.vigil.config.VigilConfig;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.kafka.TopicSpec;
import dev.vigil.kafka.Topics;
import dev.vigil.score.ModelHolder;
import dev.vigil.topology.VigilTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running Vigil service: creates the topics it needs (when allowed), runs the topology in
 * Kafka Streams, and shuts down in order: Kafka Streams first (with a timeout, committing what
 * was processed), then the models. Local state is never wiped on start.
 */
public final class VigilService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VigilService.class);

    private final VigilConfig config;
    private final ModelHolder models;
    private final KafkaStreams streams;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;

    public VigilService(VigilConfig config, FeatureSpec spec, ModelHolder models, VigilTopology.Listener listener) {
        this.config = config;
        this.models = models;
        this.streams = new KafkaStreams(VigilTopology.build(config, spec, models, listener), StreamsSettings.of(config));
        // A bug or a broken model must not leave a zombie that commits nothing: shut the client down loudly.
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("Vigil stream thread failed; shutting down (buffered records stay in the changelog and are scored after a restart)", e);
            failure = e;
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((next, previous) -> {
            LOG.info("Kafka Streams {} -> {}", previous, next);
            if (next == KafkaStreams.State.NOT_RUNNING || next == KafkaStreams.State.ERROR) {
                stopped.countDown();
            }
        });
    }

    /** The topics Vigil writes and, unless a pattern is used, the input topics. */
    public static List<TopicSpec> topics(VigilConfig config) {
        int partitions = config.getInt(VigilConfig.TOPICS_PARTITIONS);
        short replication = config.getShort(VigilConfig.TOPICS_REPLICATION);
        List<TopicSpec> topics = new ArrayList<>();
        if (config.getString(VigilConfig.INPUT_PATTERN) == null) {
            config.inputTopics().forEach(t -> topics.add(new TopicSpec(t, partitions, replication, java.util.Map.of())));
        }
        for (String key : List.of(VigilConfig.SCORES_TOPIC, VigilConfig.ALERTS_TOPIC, VigilConfig.DEAD_LETTER_TOPIC)) {
            topics.add(new TopicSpec(config.getString(key), partitions, replication, java.util.Map.of()));
        }
        return topics;
    }

    public void start() {
        if (config.getBoolean(VigilConfig.TOPICS_CREATE)) {
            try (Admin admin = Admin.create(StreamsSettings.clientProperties(config, AdminClientConfig.configNames()))) {
                List<String> created = Topics.ensure(admin, topics(config));
                if (!created.isEmpty()) {
                    LOG.info("Created topics {}", created);
                }
            }
        }
        streams.start();
    }

    public KafkaStreams streams() {
        return streams;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Blocks until Kafka Streams stopped or failed; returns the failure, if any. */
    public Throwable awaitStop(Duration timeout) throws InterruptedException {
        stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return failure;
    }

    public Throwable failure() {
        return failure;
    }

    @Override
    public void close() {
        Duration timeout = Duration.ofMillis(config.getLong(VigilConfig.SHUTDOWN_TIMEOUT_MS));
        if (!streams.close(timeout)) {
            LOG.warn("Kafka Streams did not close within {}", timeout);
        }
        models.close();
    }
}
