package dev.vigil.service;

import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.kafka.KafkaUnavailableException;
import dev.vigil.kafka.TopicSpec;
import dev.vigil.kafka.Topics;
import dev.vigil.metrics.HttpEndpoints;
import dev.vigil.metrics.Readiness;
import dev.vigil.metrics.VigilMetrics;
import dev.vigil.model.ModelBundle;
import dev.vigil.score.BatchScorer;
import dev.vigil.score.ModelHolder;
import dev.vigil.score.UnscoredOffsets;
import dev.vigil.train.ModelRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import dev.vigil.topology.VigilTopology;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running Vigil service: creates the topics it needs (when allowed), loads a bootstrap
 * model, serves HTTP (metrics, health, model), runs the topology in Kafka Streams, and shuts
 * down in order: Kafka Streams first (with a timeout, committing what was processed and leaving
 * the consumer group), then the HTTP server, then the models. Local state is never wiped on start.
 */
public final class VigilService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VigilService.class);

    private final VigilConfig config;
    private final VigilSettings settings;
    private final VigilSettings.Runtime runtime;
    private final FeatureSpec spec;
    private final VigilMetrics metrics = new VigilMetrics();
    private final ModelHolder models;
    private final Properties streamsProperties;
    private final UnscoredOffsets unscored;
    private final Topology topology;
    /** Null until {@link #start} builds it. */
    private volatile KafkaStreams streams;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;
    private HttpEndpoints http;
    private ClusterWatch cluster;

    public VigilService(VigilConfig config, FeatureSpec spec) {
        this.config = config;
        this.settings = VigilSettings.from(config);
        this.runtime = VigilSettings.runtime(config);
        this.spec = spec;
        this.models = new ModelHolder(this::modelSwapped);
        this.streamsProperties = StreamsSettings.of(config);
        streamsProperties.put(RefusedSendHandler.LISTENER_CONFIG, (java.util.function.Consumer<String>) metrics::outputDropped);
        // A bad value fails here, before start() touches the cluster or the state directory.
        StreamsSettings.validate(streamsProperties);
        this.unscored = HeldCommits.unscoredOffsets(streamsProperties);
        this.topology = VigilTopology.build(settings, spec, models, new MetricsListener(metrics), unscored);
        if (settings.topics().inputPattern() == null) {
            settings.topics().input().forEach(metrics::registerInputTopic);
        }
    }

    /**
     * Kafka Streams for the topology. Built in {@link #start} once the cluster has answered and the
     * bootstrap model is read: its constructor creates the state directory, a side effect that a
     * configuration error or an unreachable broker must not leave behind.
     */
    private KafkaStreams buildStreams() {
        KafkaStreams streams = HeldCommits.streams(topology, streamsProperties, unscored);
        // A bug or a broken model must not leave a zombie that commits nothing: shut the client down loudly.
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("Vigil stream thread failed; shutting down (records accepted but not yet scored are scored after a restart)", e);
            failure = e;
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((next, previous) -> {
            LOG.info("Kafka Streams {} -> {}", previous, next);
            if (next == KafkaStreams.State.NOT_RUNNING || next == KafkaStreams.State.ERROR) {
                stopped.countDown();
            }
        });
        return streams;
    }

    /** The topics Vigil writes and, unless a pattern is used, the input topics. */
    public static List<TopicSpec> topics(VigilConfig config) {
        return topics(VigilSettings.from(config), VigilSettings.runtime(config));
    }

    private static List<TopicSpec> topics(VigilSettings settings, VigilSettings.Runtime runtime) {
        VigilSettings.Topics names = settings.topics();
        int partitions = runtime.topicsPartitions();
        short replication = runtime.topicsReplication();
        List<TopicSpec> topics = new ArrayList<>();
        if (names.inputPattern() == null) {
            names.input().forEach(t -> topics.add(new TopicSpec(t, partitions, replication, Map.of())));
        }
        // Outputs take whatever the producer may send: a dead letter or an alert is sized against max.request.size.
        Map<String, String> outputs = Map.of("max.message.bytes", Integer.toString(settings.ingest().maxSendBytes()));
        for (String topic : List.of(names.scores(), names.alerts(), names.deadLetters())) {
            topics.add(new TopicSpec(topic, partitions, replication, outputs));
        }
        // One partition each: one task owns the training window, and the models topic is read whole by every instance.
        // The training topic's retention counts from when Vigil wrote a sample (LogAppendTime), not from the
        // input's event time: a replay of last month's data must not be deleted before the window reads it.
        topics.add(new TopicSpec(names.training(), 1, replication, Map.of(
                "retention.ms", Long.toString(24 * 3_600_000L),
                "message.timestamp.type", "LogAppendTime")));
        topics.add(new TopicSpec(names.models(), 1, replication, Map.of(
                "cleanup.policy", "compact",
                "max.message.bytes", Integer.toString(settings.training().window().maxBundleBytes() + 64 * 1024),
                "min.compaction.lag.ms", "0")));
        return topics;
    }

    /**
     * The topic that brings each entity's parsed records to one task: as many partitions as the
     * largest input topic (the input's parallelism carries over to context and scoring), once that
     * exists. Kafka Streams leaves a topic it did not declare alone, so the broker bounds it: dated
     * when written (LogAppendTime), so a replay of old records is not deleted before it is read, and
     * kept a week, long enough for any outage Vigil is expected to catch up on.
     */
    private static TopicSpec contextRepartitionTopic(VigilSettings settings, VigilSettings.Runtime runtime, Admin admin) {
        VigilSettings.Topics names = settings.topics();
        Predicate<String> input = names.inputPattern() != null
                ? Pattern.compile(names.inputPattern()).asMatchPredicate()
                : names.input()::contains;
        int partitions = Topics.mostPartitions(admin, input.and(t -> !t.equals(names.contextRepartition())));
        return new TopicSpec(names.contextRepartition(), partitions > 0 ? partitions : runtime.topicsPartitions(),
                runtime.topicsReplication(), Map.of(
                        "message.timestamp.type", "LogAppendTime",
                        "retention.ms", Long.toString(7 * 24 * 3_600_000L),
                        "max.message.bytes", Integer.toString(settings.ingest().maxSendBytes())));
    }

    /** The models topic of this configuration's cluster. */
    public static ModelRegistry modelRegistry(VigilConfig config) {
        java.util.Set<String> names = new java.util.HashSet<>(ConsumerConfig.configNames());
        names.addAll(ProducerConfig.configNames());
        return new ModelRegistry(StreamsSettings.clientProperties(config, names), VigilSettings.from(config).topics().models());
    }

    public void start() {
        // Read a bootstrap model before touching the cluster: a missing or corrupt file creates nothing.
        String modelFile = runtime.modelFile();
        ModelBundle bundle = modelFile == null ? null : ModelBundle.load(Path.of(modelFile), spec);
        if (runtime.topicsCreate()) {
            String bootstrap = StreamsSettings.of(config).getProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
            LOG.info("Setting up topics on {} (Kafka has {} s to answer)", bootstrap, Topics.TIMEOUT_SECONDS);
            try (Admin admin = Admin.create(StreamsSettings.clientProperties(config, AdminClientConfig.configNames()))) {
                List<String> created = new ArrayList<>(Topics.ensure(admin, topics(settings, runtime)));
                if (VigilTopology.repartitionsByEntity(settings, spec)) {
                    created.addAll(Topics.ensure(admin, List.of(contextRepartitionTopic(settings, runtime, admin))));
                }
                if (!created.isEmpty()) {
                    LOG.info("Created topics {}", created);
                }
            } catch (KafkaUnavailableException e) {
                throw new KafkaUnavailableException(e.getMessage() + ": check kafka.bootstrap.servers=" + bootstrap
                        + " (and the kafka.security.* settings) and that the cluster is up", e.getCause());
            }
        }
        if (bundle != null) {
            // A bootstrap model: published once, so every instance (and a restart) reads it from the models topic.
            ModelRegistry registry = modelRegistry(config);
            if (registry.newestVersion() == 0) {
                LOG.info("Published bootstrap model {} as v{}", modelFile, registry.publish(bundle));
            } else {
                LOG.info("The models topic already has models; not publishing {}", modelFile);
            }
        }
        cluster = ClusterWatch.start(StreamsSettings.clientProperties(config, AdminClientConfig.configNames()),
                runtime.readinessBrokerTimeout());
        HttpEndpoints.Settings httpSettings = new HttpEndpoints.Settings(runtime.httpBindAddress(), runtime.httpPort(),
                runtime.httpRequestTimeout());
        try {
            http = HttpEndpoints.start(httpSettings, metrics, this::readiness, this::modelInfo);
        } catch (IOException e) {
            String where = (httpSettings.bindAddress() == null ? "" : httpSettings.bindAddress() + " ") + "port " + httpSettings.port();
            throw new UncheckedIOException("cannot serve HTTP on " + where + " (" + VigilConfig.HTTP_BIND_ADDRESS + ", "
                    + VigilConfig.HTTP_PORT + "): " + e.getMessage(), e);
        }
        streams = buildStreams();
        metrics.bindKafkaStreams(streams);
        streams.start();
    }

    private void modelSwapped(BatchScorer scorer) {
        scorer.modelBundle().ifPresent(bundle ->
                metrics.setModel(scorer.modelVersion(), bundle.training().createdAt().toEpochMilli(), bundle.parameterCount()));
        metrics.setThreshold(scorer.threshold());
        LOG.info("Now scoring with model v{} (threshold {} nats)", scorer.modelVersion(), scorer.threshold());
    }

    private Readiness readiness() {
        long version = models.currentVersion();
        return Readiness.of(state(), version < 0 ? OptionalLong.empty() : OptionalLong.of(version),
                cluster.problem());
    }

    private Object modelInfo() {
        try (ModelHolder.Lease lease = models.acquire()) {
            return lease.scorer() == null ? null : lease.scorer().describe();
        }
    }

    /** The Kafka Streams client; null until {@link #start} has built it. */
    public KafkaStreams streams() {
        return streams;
    }

    public ModelHolder models() {
        return models;
    }

    public VigilMetrics metrics() {
        return metrics;
    }

    /** The HTTP port actually bound (after {@link #start}). */
    public int httpPort() {
        return http.port();
    }

    /** Kafka Streams' state; CREATED before {@link #start} has built it. */
    public KafkaStreams.State state() {
        KafkaStreams built = streams;
        return built == null ? KafkaStreams.State.CREATED : built.state();
    }

    /**
     * Makes {@link #awaitStop} return, so the caller goes on to {@link #close}. Does not block: a
     * signal handler may call it while another thread is inside {@link #start}.
     */
    public void requestStop() {
        stopped.countDown();
    }

    /** Blocks until Kafka Streams stopped or failed, or a stop was requested; returns the failure, if any. */
    public Throwable awaitStop(Duration timeout) throws InterruptedException {
        stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return failure;
    }

    @Override
    public void close() {
        Duration timeout = runtime.shutdownTimeout();
        // Leave the group, static member or not: Kafka Streams by default stays in it, so its partitions
        // would wait for the session timeout before another instance (or a restart under another id) takes them.
        if (streams != null && !streams.close(CloseOptions.timeout(timeout)
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP))) {
            LOG.warn("Kafka Streams did not close within {}", timeout);
        }
        if (http != null) {
            http.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        models.close();
    }
}
