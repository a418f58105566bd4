package dev.vigil.testsupport;

import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.kafka.TopicSpec;
import dev.vigil.kafka.Topics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Exit;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JUnit 5 extension giving integration tests a real Kafka broker: ONE {@link EmbeddedKafka} per
 * test JVM, started by the first class that needs it and closed when the whole run ends.
 *
 * <pre>{@code
 * @ExtendWith(KafkaBroker.class)
 * class SomethingIT {
 *     @Test void shouldDoIt() {
 *         String input = KafkaBroker.createTopic("input", 3);
 *         ... KafkaBroker.bootstrapServers() ...
 *     }
 * }
 * }</pre>
 *
 * Tests share the broker, so each one works on its own topics and groups: {@link #createTopic}
 * and {@link #uniqueName} give names no other test uses.
 *
 * <p>The broker runs with test timeouts ({@link #TEST_OVERRIDES}): a killed group member is noticed
 * after 6 s instead of 45 s, and an abandoned transaction is aborted within about a second of its
 * timeout. A fatal broker fault would normally {@code Exit.halt} the test JVM, leaving only
 * "the forked VM terminated"; here it is logged and turned into a test failure instead.
 */
public final class KafkaBroker implements BeforeAllCallback {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaBroker.class);

    /** Session timeout the broker gives consumer and Streams groups of the new protocol (classic clients set their own). */
    public static final int GROUP_SESSION_TIMEOUT_MS = 6000;

    /** Broker settings for tests, on top of {@link EmbeddedKafka}'s defaults. */
    public static final Map<String, String> TEST_OVERRIDES = testOverrides();

    private static final AtomicReference<EmbeddedKafka> BROKER = new AtomicReference<>();
    private static final AtomicReference<String> FATAL = new AtomicReference<>();
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(SharedBroker.class, k -> new SharedBroker(), SharedBroker.class);
    }

    /** The shared broker's address; the calling test class must be extended with {@code KafkaBroker}. */
    public static String bootstrapServers() {
        return broker().bootstrapServers();
    }

    /** The shared broker itself. */
    public static EmbeddedKafka broker() {
        String fatal = FATAL.get();
        if (fatal != null) {
            throw new IllegalStateException("The shared test broker hit a fatal fault earlier: " + fatal);
        }
        EmbeddedKafka broker = BROKER.get();
        if (broker == null) {
            throw new IllegalStateException("No test broker: annotate the test class with @ExtendWith(KafkaBroker.class)");
        }
        return broker;
    }

    /** A name no other test in this JVM gets, for topics, group ids and application ids. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + COUNTER.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Creates a topic with a unique name starting with {@code prefix} and returns that name. */
    public static String createTopic(String prefix, int partitions) {
        return createTopic(prefix, partitions, Map.of());
    }

    /** Creates a topic with a unique name starting with {@code prefix}, with topic-level configs. */
    public static String createTopic(String prefix, int partitions, Map<String, String> configs) {
        String name = uniqueName(prefix);
        try (Admin admin = admin()) {
            Topics.ensure(admin, List.of(new TopicSpec(name, partitions, (short) 1, configs)));
        }
        return name;
    }

    /** An AdminClient on the shared broker; the caller closes it. */
    public static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    private static Map<String, String> testOverrides() {
        Map<String, String> o = new LinkedHashMap<>();
        // Classic-protocol clients set session.timeout.ms themselves; let them go as low as 1 s.
        o.put("group.min.session.timeout.ms", "1000");
        // New consumer and Streams group protocols: the broker decides the session timeout and heartbeat.
        for (String group : List.of("consumer", "streams", "share")) {
            o.put("group." + group + ".session.timeout.ms", String.valueOf(GROUP_SESSION_TIMEOUT_MS));
            o.put("group." + group + ".min.session.timeout.ms", "1000");
            o.put("group." + group + ".heartbeat.interval.ms", "500");
            o.put("group." + group + ".min.heartbeat.interval.ms", "100");
        }
        // Abort transactions of a killed producer soon after their timeout, not up to 10 s later.
        o.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
        o.put("transaction.remove.expired.transaction.cleanup.interval.ms", "1000");
        // Low enough that a test cannot leave a transaction open for long, high enough for client defaults (60 s).
        o.put("transaction.max.timeout.ms", "60000");
        return Map.copyOf(o);
    }

    /** The broker's lifetime is the test run's: JUnit closes the root store's values at the very end. */
    private static final class SharedBroker implements AutoCloseable {

        SharedBroker() {
            // Installed for the whole run: without it a fatal broker fault kills the forked test JVM silently.
            Exit.setHaltProcedure((status, message) -> fatal("Exit.halt(" + status + ")", message));
            Exit.setExitProcedure((status, message) -> fatal("Exit.exit(" + status + ")", message));
            EmbeddedKafka broker = EmbeddedKafka.start(null, 0, TEST_OVERRIDES);
            BROKER.set(broker);
        }

        private static void fatal(String call, String message) {
            String what = call + (message == null ? "" : ": " + message);
            FATAL.compareAndSet(null, what);
            LOG.error("Kafka called {}; the shared test broker is unusable from now on", what);
            throw new IllegalStateException("Kafka called " + what);
        }

        @Override
        public void close() {
            EmbeddedKafka broker = BROKER.getAndSet(null);
            if (broker != null) {
                broker.close();
            }
            Exit.resetHaltProcedure();
            Exit.resetExitProcedure();
        }
    }
}
