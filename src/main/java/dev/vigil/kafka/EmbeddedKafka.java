package dev.vigil.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka cluster inside this JVM: one {@link KafkaRaftServer} acting as both
 * broker and KRaft controller, listening on the loopback interface.
 *
 * <p>Used by {@code vigil demo}, {@code vigil broker} and the integration tests. The log directory
 * is formatted only the first time, so starting again on the same directory finds the topics,
 * records and committed offsets of the previous run. Internal topics are single-replica and
 * automatic topic creation is off: whoever needs a topic creates it (see {@link Topics}).
 *
 * <p>Clients connect over PLAINTEXT. For tests of secured clients, {@link #start(Path, int, Map, SaslSsl)}
 * adds a second listener speaking SASL_SSL with SCRAM-SHA-512 ({@link #saslSslBootstrapServers()});
 * the controller and inter-broker traffic stay PLAINTEXT.
 *
 * <p>Beware: a fatal fault inside the broker calls {@code org.apache.kafka.common.utils.Exit.halt},
 * which ends the whole JVM unless a halt procedure has been installed.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final int BIND_ATTEMPTS = 5;

    private static final String SASL_SSL_LISTENER = "SASL_SSL";
    private static final String SCRAM_MECHANISM = "SCRAM-SHA-512";

    private final KafkaRaftServer server;
    private final Path logDir;
    private final boolean deleteOnClose;
    private final String bootstrapServers;
    private final String saslSslBootstrapServers;
    private boolean closed;

    private EmbeddedKafka(KafkaRaftServer server, Path logDir, boolean deleteOnClose, int port, int saslSslPort) {
        this.server = server;
        this.logDir = logDir;
        this.deleteOnClose = deleteOnClose;
        this.bootstrapServers = HOST + ":" + port;
        this.saslSslBootstrapServers = saslSslPort == 0 ? null : HOST + ":" + saslSslPort;
    }

    /**
     * A SASL_SSL listener with SCRAM-SHA-512 authentication and one user.
     *
     * @param keyStore         PKCS12 key store with the broker's private key and certificate; clients
     *                         must trust the certificate, which must name 127.0.0.1 (hostname verification is on)
     * @param keyStorePassword password of the key store and of the key in it
     * @param username         the one SCRAM user, created when the log directory is formatted
     * @param password         that user's password (no commas: the storage format's SCRAM argument splits on them)
     */
    public record SaslSsl(Path keyStore, String keyStorePassword, String username, String password) {
        public SaslSsl {
            Objects.requireNonNull(keyStore, "keyStore");
            Objects.requireNonNull(keyStorePassword, "keyStorePassword");
            for (String value : new String[] {username, password}) {
                if (value == null || value.isEmpty() || value.contains(",") || value.contains("\"")) {
                    throw new IllegalArgumentException("SCRAM username and password must be non-empty, without , or \"");
                }
            }
        }

        /** Never the passwords: a record's default toString would print them into any log that names it. */
        @Override
        public String toString() {
            return "SaslSsl[keyStore=" + keyStore + ", username=" + username + "]";
        }
    }

    /** Starts a broker on a temporary log directory and a free port, with default settings. */
    public static EmbeddedKafka start() {
        return start(null, 0, Map.of());
    }

    /**
     * Starts a broker and returns once it accepts clients.
     *
     * @param logDir    where the data lives; {@code null} for a temporary directory deleted on {@link #close()}.
     *                  A given directory is kept and reused by the next start.
     * @param port      the client (PLAINTEXT) port; 0 picks a free one
     * @param overrides broker settings that replace or extend the defaults (e.g. shorter timeouts for tests)
     * @throws IllegalStateException when the broker cannot start (e.g. the given port is taken)
     */
    public static EmbeddedKafka start(Path logDir, int port, Map<String, String> overrides) {
        return start(logDir, port, overrides, null);
    }

    /**
     * Starts a broker as {@link #start(Path, int, Map)} does, with a SASL_SSL listener on a free
     * port beside the PLAINTEXT one when {@code saslSsl} is given.
     *
     * <p>The SCRAM user is written into the metadata when the log directory is formatted, so it
     * exists before the first client connects; a directory formatted earlier keeps the users it had.
     */
    public static EmbeddedKafka start(Path logDir, int port, Map<String, String> overrides, SaslSsl saslSsl) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
        }
        boolean temporary = logDir == null;
        return start(temporary ? createTempDir(null) : logDir.toAbsolutePath(), temporary, port, overrides, saslSsl);
    }

    /**
     * Starts a broker with default settings on a free port and a temporary log directory created
     * under {@code parent} (e.g. a memory file system), deleted on {@link #close()}.
     */
    public static EmbeddedKafka startTemporaryIn(Path parent) {
        return start(createTempDir(parent), true, 0, Map.of(), null);
    }

    private static EmbeddedKafka start(Path dir, boolean temporary, int port, Map<String, String> overrides, SaslSsl saslSsl) {
        long begin = System.nanoTime();
        try {
            formatIfNeeded(dir, saslSsl);
            for (int attempt = 1; ; attempt++) {
                // Ports found free a moment ago may be taken by the time the broker binds: retry with new ones.
                int[] free = freePorts(3, port);
                int clientPort = port == 0 ? free[0] : port;
                int controllerPort = free[1];
                int saslSslPort = saslSsl == null ? 0 : free[2];
                Map<String, String> props = new LinkedHashMap<>(config(dir, clientPort, controllerPort, Map.of()));
                if (saslSsl != null) {
                    props.putAll(saslSslConfig(props, saslSslPort, saslSsl));
                }
                props.putAll(overrides);
                KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
                try {
                    server.startup();
                } catch (RuntimeException e) {
                    shutdownQuietly(server);
                    // A port the caller chose is not retried: taken is taken.
                    boolean retry = isBindFailure(e) && !(port != 0 && failedToBind(e, port)) && attempt < BIND_ATTEMPTS;
                    if (retry) {
                        LOG.info("Port {}, {} or {} was taken, retrying with new ports", clientPort, controllerPort, saslSslPort);
                        continue;
                    }
                    throw new IllegalStateException("Kafka broker did not start on port " + clientPort
                            + " with log dir " + dir + ": " + rootMessage(e), e);
                }
                EmbeddedKafka kafka = new EmbeddedKafka(server, dir, temporary, clientPort, saslSslPort);
                LOG.info("Kafka broker ready at {}{} (log dir {}) in {} ms", kafka.bootstrapServers,
                        saslSsl == null ? "" : " and " + kafka.saslSslBootstrapServers + " (SASL_SSL)", dir,
                        (System.nanoTime() - begin) / 1_000_000);
                return kafka;
            }
        } catch (RuntimeException e) {
            if (temporary) {
                deleteRecursively(dir);
            }
            throw e;
        }
    }

    /** The address clients connect to, as {@code host:port}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * The SASL_SSL address ({@code host:port}), for clients with {@code security.protocol=SASL_SSL}
     * and {@code sasl.mechanism=SCRAM-SHA-512}.
     *
     * @throws IllegalStateException when the broker was started without {@link SaslSsl}
     */
    public String saslSslBootstrapServers() {
        if (saslSslBootstrapServers == null) {
            throw new IllegalStateException("This broker has no SASL_SSL listener: start it with EmbeddedKafka.SaslSsl");
        }
        return saslSslBootstrapServers;
    }

    /** The directory holding the broker's data and metadata log. */
    public Path logDir() {
        return logDir;
    }

    /** Shuts the broker down cleanly (flushing its logs) and deletes a temporary log directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long begin = System.nanoTime();
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            if (deleteOnClose) {
                deleteRecursively(logDir);
            }
        }
        LOG.info("Kafka broker at {} stopped in {} ms", bootstrapServers, (System.nanoTime() - begin) / 1_000_000);
    }

    /** The broker settings: defaults for a single node, then the caller's overrides. */
    static Map<String, String> config(Path dir, int clientPort, int controllerPort, Map<String, String> overrides) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", String.valueOf(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        props.put("listeners", "PLAINTEXT://" + HOST + ":" + clientPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + clientPort);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", dir.toString());
        // A single node cannot hold more than one replica: without these, consumers never find a coordinator.
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        // Fewer coordinator partitions: the first group or transaction does not wait for 50 partitions to load.
        props.put("offsets.topic.num.partitions", "5");
        props.put("transaction.state.log.num.partitions", "5");
        props.put("group.initial.rebalance.delay.ms", "0");
        // Topics are created on purpose, with the settings they need; a typo must not create one.
        props.put("auto.create.topics.enable", "false");
        props.put("num.partitions", "1");
        // No time-based retention: the generator's traffic carries event times from 2025 as record
        // timestamps, and the first retention check (30 s after start) would delete it, consumed or not.
        props.put("log.retention.ms", "-1");
        props.putAll(overrides);
        return props;
    }

    /** The SASL_SSL listener's settings, added to the single-node {@code defaults}. */
    static Map<String, String> saslSslConfig(Map<String, String> defaults, int port, SaslSsl saslSsl) {
        String prefix = "listener.name." + SASL_SSL_LISTENER.toLowerCase(Locale.ROOT) + ".";
        Map<String, String> props = new LinkedHashMap<>();
        String address = SASL_SSL_LISTENER + "://" + HOST + ":" + port;
        props.put("listeners", defaults.get("listeners") + "," + address);
        props.put("advertised.listeners", defaults.get("advertised.listeners") + "," + address);
        props.put("listener.security.protocol.map",
                defaults.get("listener.security.protocol.map") + "," + SASL_SSL_LISTENER + ":SASL_SSL");
        // Only SCRAM: the default GSSAPI would need Kerberos.
        props.put("sasl.enabled.mechanisms", SCRAM_MECHANISM);
        // The server side of SCRAM needs a login module but no credentials of its own (inter-broker stays PLAINTEXT).
        props.put(prefix + SCRAM_MECHANISM.toLowerCase(Locale.ROOT) + ".sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        props.put(prefix + "ssl.keystore.type", "PKCS12");
        props.put(prefix + "ssl.keystore.location", saslSsl.keyStore().toAbsolutePath().toString());
        props.put(prefix + "ssl.keystore.password", saslSsl.keyStorePassword());
        props.put(prefix + "ssl.key.password", saslSsl.keyStorePassword());
        return props;
    }

    private static void formatIfNeeded(Path dir, SaslSsl saslSsl) {
        if (Files.exists(dir.resolve("meta.properties"))) {
            // Formatting again would give the directory a new cluster id and fail: reuse it as it is.
            LOG.info("Reusing formatted log dir {}", dir);
            return;
        }
        try {
            Files.createDirectories(dir);
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setDirectories(List.of(dir.toString()))
                    .setMetadataLogDirectory(dir.toString())
                    .setControllerListenerName("CONTROLLER")
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    // As kafka-storage format --add-scram: the user is in the metadata before the broker starts.
                    .setScramArguments(saslSsl == null ? List.of() : List.of(SCRAM_MECHANISM
                            + "=[name=" + saslSsl.username() + ",password=" + saslSsl.password() + "]"))
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot format Kafka log dir " + dir + ": " + rootMessage(e), e);
        }
    }

    /**
     * {@code count} free ports, all different and none equal to {@code taken}: every socket stays
     * open until all are chosen, so the OS cannot hand the same port out twice (two listeners on one
     * port fail in the broker's config, before any bind, where the retry does not see it).
     */
    private static int[] freePorts(int count, int taken) {
        List<ServerSocket> sockets = new java.util.ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; ) {
                ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName(HOST));
                sockets.add(socket);
                if (socket.getLocalPort() != taken) {
                    ports[i++] = socket.getLocalPort();
                }
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on " + HOST, e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a listening socket we own; nothing to do
                }
            }
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    /** Whether the failure names this port ("Socket server failed to bind to 127.0.0.1:9092"). */
    private static boolean failedToBind(Throwable e, int port) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && message.contains("failed to bind") && message.contains(":" + port + ":")) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root + ")";
    }

    private static void shutdownQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.debug("Shutting down a broker that failed to start", e);
        }
    }

    private static Path createTempDir(Path parent) {
        try {
            return parent == null ? Files.createTempDirectory("vigil-kafka-") : Files.createTempDirectory(parent, "vigil-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary Kafka log dir", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.warn("Cannot delete {}: {}", p, e.toString());
                }
            });
        } catch (IOException e) {
            LOG.warn("Cannot delete temporary Kafka log dir {}: {}", dir, e.toString());
        }
    }
}
