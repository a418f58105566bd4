package dev.vigil.service;

import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Kafka Streams properties from Vigil's config: Vigil's defaults first, then every {@code kafka.*} key on top,
 * then the defaults that depend on what those keys chose (the commit interval under at-least-once, the session
 * timeout of a static member), each only where the user set no value of their own.
 */
public final class StreamsSettings {

    /**
     * Commit interval under {@code at_least_once} (Kafka's default there is 30 s): a crash repeats what was
     * processed since the last commit, so at most about this long of traffic.
     */
    public static final long AT_LEAST_ONCE_COMMIT_INTERVAL_MS = 1_000;

    /**
     * Commit interval under {@code exactly_once_v2} (Kafka's default there is 100 ms): a {@code read_committed}
     * consumer sees outputs only at the commit after them, so this interval is most of an alert's latency.
     * At 50 ms Vigil's p99 at 23-30k records/s fell from 121-127 ms to 66-94 ms in {@code vigil bench}, with no
     * loss of throughput against 100 ms (docs/BENCHMARKS.md); each commit costs Vigil about 5 ms of its stream thread.
     */
    public static final long EXACTLY_ONCE_COMMIT_INTERVAL_MS = 50;

    /**
     * Session timeout of a static member ({@link VigilConfig#INSTANCE_ID}): a restart with the same id takes
     * its partitions back at once whatever this is; it is how long the partitions of an instance that does
     * not come back wait before another instance takes them over.
     */
    public static final int STATIC_MEMBER_SESSION_TIMEOUT_MS = 60_000;

    private static final String CLASSIC_PROTOCOL = "classic";

    private StreamsSettings() {
    }

    /** Whether Kafka Streams properties (as {@link #of} gives them) ask for at-least-once processing. */
    public static boolean atLeastOnce(Properties streamsProperties) {
        return StreamsConfig.AT_LEAST_ONCE.equals(streamsProperties.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    }

    public static Properties of(VigilConfig config) {
        VigilSettings.Runtime runtime = VigilSettings.runtime(config);
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, VigilConfig.DEFAULT_APPLICATION_ID);
        p.put(StreamsConfig.STATE_DIR_CONFIG, runtime.stateDir());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());
        // Streams' default linger of 100 ms would dominate end-to-end latency; a few ms still batches well.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "5");
        // Changelogs must take whatever the producer sends (a buffered record is up to max.request.size).
        p.put(StreamsConfig.topicPrefix("max.message.bytes"), Integer.toString(config.producerMaxRequestSize()));
        // A refused send is logged, counted and skipped instead of stopping the stream thread (outputs are sized first).
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, RefusedSendHandler.class.getName());
        // Kafka 4.3 warns at every start unless this is set; it becomes the default in 5.0.
        p.put("processing.exception.handler.global.enabled", "true");
        p.putAll(config.kafkaProperties());
        p.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
                Long.toString(atLeastOnce(p) ? AT_LEAST_ONCE_COMMIT_INTERVAL_MS : EXACTLY_ONCE_COMMIT_INTERVAL_MS));
        staticMembership(runtime.instanceId(), p);
        if (p.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "").isBlank()) {
            throw new ConfigException("kafka.bootstrap.servers is not set (give it in the config file, "
                    + "as KAFKA_BOOTSTRAP_SERVERS, or with --bootstrap-servers)");
        }
        return p;
    }

    /**
     * Parses what Kafka Streams and each of its clients (main, restore and global consumer,
     * producer, admin) will make of {@code properties}, without building a client: a bad value is
     * a {@link ConfigException} here, before anything touches the cluster or the state directory
     * (the {@code KafkaStreams} constructor creates it). The consumers and the admin client get
     * their full checks; the producer's values are parsed one by one (its config class has no quiet
     * constructor), so a combination only the producer rejects, such as idempotence with
     * {@code acks=1}, still fails when Kafka Streams starts.
     *
     * @throws ConfigException for a bad value
     * @throws IllegalArgumentException for settings Kafka Streams refuses together
     */
    public static void validate(Properties properties) {
        StreamsConfig streams = new StreamsConfig(properties, false) { };
        String clientId = streams.getString(StreamsConfig.APPLICATION_ID_CONFIG);
        for (Map<String, Object> consumer : List.of(streams.getMainConsumerConfigs(clientId, clientId, 0),
                streams.getRestoreConsumerConfigs(clientId), streams.getGlobalConsumerConfigs(clientId))) {
            // Kafka Streams gives its clients byte-array (de)serializers when it builds them.
            consumer.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            consumer.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            new ConsumerConfig(consumer, false) { };
        }
        Map<String, Object> producer = streams.getProducerConfigs(clientId);
        producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        ProducerConfig.configDef().parse(producer);
        new AdminClientConfig(streams.getAdminConfigs(clientId), false) { };
    }

    /**
     * The main consumer's {@code group.instance.id} (Kafka Streams appends {@code -1}, {@code -2} ... per stream
     * thread; restore and global consumers drop it). Prefixed with {@code main.consumer.} so that the other
     * clients built from these settings ({@link #clientProperties}) never see it.
     */
    private static void staticMembership(String instanceId, Properties p) {
        if (instanceId == null) {
            return;
        }
        String protocol = p.getProperty(StreamsConfig.GROUP_PROTOCOL_CONFIG, CLASSIC_PROTOCOL);
        if (!protocol.equalsIgnoreCase(CLASSIC_PROTOCOL)) {
            throw new ConfigException(VigilConfig.INSTANCE_ID + " needs the classic group protocol; Kafka Streams 4.3 "
                    + "refuses static membership with kafka.group.protocol=" + protocol);
        }
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instanceId);
        String session = ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG;
        if (!p.containsKey(session) && !p.containsKey(StreamsConfig.consumerPrefix(session))
                && !p.containsKey(StreamsConfig.mainConsumerPrefix(session))) {
            p.put(StreamsConfig.mainConsumerPrefix(session), Integer.toString(STATIC_MEMBER_SESSION_TIMEOUT_MS));
        }
    }

    /**
     * Properties for another client of the same cluster (security settings included): the
     * {@code kafka.*} keys that client knows, e.g. {@code AdminClientConfig.configNames()}, and
     * the settings of the config providers ({@code config.providers.NAME.*}) that resolve
     * references such as {@code ${env:VIGIL_KAFKA_PASSWORD}} in them.
     */
    public static Properties clientProperties(VigilConfig config, java.util.Set<String> clientConfigNames) {
        Properties streams = of(config);
        Properties client = new Properties();
        for (String name : streams.stringPropertyNames()) {
            // configNames() lists config.providers but not the per-provider keys; without them the
            // client would leave ${env:...} unresolved and fail to authenticate.
            if (clientConfigNames.contains(name) || name.startsWith(AbstractConfig.CONFIG_PROVIDERS_CONFIG + ".")) {
                client.put(name, streams.getProperty(name));
            }
        }
        return client;
    }
}
