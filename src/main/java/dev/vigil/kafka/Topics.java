package dev.vigil.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the topics Vigil needs through the AdminClient, leaving existing ones as they are. */
public final class Topics {

    private static final Logger LOG = LoggerFactory.getLogger(Topics.class);
    /** How long Kafka has to answer each step of the set-up. */
    public static final int TIMEOUT_SECONDS = 30;
    private static final int TIMEOUT_MS = TIMEOUT_SECONDS * 1000;

    private Topics() {
    }

    /**
     * Creates every topic of {@code specs} that does not exist yet. Idempotent and safe to race
     * with another instance doing the same. An existing topic is never changed: if it has fewer
     * partitions than wanted, a warning says so (adding partitions moves keys between partitions,
     * which is the operator's call, not ours).
     *
     * @return the names of the topics this call created, in the order given
     * @throws KafkaUnavailableException when Kafka does not answer within {@link #TIMEOUT_SECONDS}
     * @throws IllegalStateException when a topic can be neither created nor found
     */
    public static List<String> ensure(Admin admin, Collection<TopicSpec> specs) {
        List<String> created = new ArrayList<>();
        if (specs.isEmpty()) {
            return created;
        }
        List<NewTopic> requests = specs.stream().map(TopicSpec::toNewTopic).toList();
        // The call itself ends at the deadline: otherwise it stays pending for default.api.timeout.ms (60 s)
        // and Admin.close() waits for it, so a "30 s" failure would take twice that.
        CreateTopicsResult result = admin.createTopics(requests, new CreateTopicsOptions().timeoutMs(TIMEOUT_MS));
        List<TopicSpec> existing = new ArrayList<>();
        for (TopicSpec spec : specs) {
            try {
                await(result.values().get(spec.name()));
                created.add(spec.name());
                LOG.info("Created topic {} ({} partitions, replication {}, configs {})",
                        spec.name(), spec.partitions(), spec.replication(), spec.configs());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                    throw unavailable(e.getCause());
                }
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("Cannot create topic '" + spec.name() + "': " + e.getCause().getMessage(), e.getCause());
                }
                existing.add(spec);
            }
        }
        if (!existing.isEmpty()) {
            warnAboutFewerPartitions(admin, existing);
        }
        return created;
    }

    /**
     * The most partitions among the existing topics whose names {@code accepted} takes, or 0 when
     * there is none (Kafka's internal topics are never taken).
     *
     * @throws KafkaUnavailableException when Kafka does not answer within {@link #TIMEOUT_SECONDS}
     */
    public static int mostPartitions(Admin admin, Predicate<String> accepted) {
        try {
            List<String> names = await(admin.listTopics(new ListTopicsOptions().timeoutMs(TIMEOUT_MS)).names()).stream()
                    .filter(accepted).toList();
            if (names.isEmpty()) {
                return 0;
            }
            return await(admin.describeTopics(names, new DescribeTopicsOptions().timeoutMs(TIMEOUT_MS)).allTopicNames())
                    .values().stream().mapToInt(d -> d.partitions().size()).max().orElse(0);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw unavailable(e.getCause());
            }
            throw new IllegalStateException("Cannot describe the topics: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static void warnAboutFewerPartitions(Admin admin, List<TopicSpec> existing) {
        Map<String, KafkaFuture<TopicDescription>> descriptions =
                admin.describeTopics(existing.stream().map(TopicSpec::name).toList(),
                        new DescribeTopicsOptions().timeoutMs(TIMEOUT_MS)).topicNameValues();
        for (TopicSpec spec : existing) {
            try {
                int actual = await(descriptions.get(spec.name())).partitions().size();
                if (actual < spec.partitions()) {
                    LOG.warn("Topic {} exists with {} partitions, fewer than the {} wanted; it is left as it is",
                            spec.name(), actual, spec.partitions());
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                    throw unavailable(e.getCause());
                }
                throw new IllegalStateException("Topic '" + spec.name() + "' exists but cannot be described: "
                        + e.getCause().getMessage(), e.getCause());
            }
        }
    }

    private static <T> T await(KafkaFuture<T> future) throws ExecutionException {
        try {
            // A backstop only: the admin call fails by itself at TIMEOUT_MS.
            return future.get(TIMEOUT_SECONDS + 5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while setting up topics", e);
        } catch (TimeoutException e) {
            throw unavailable(e);
        }
    }

    private static KafkaUnavailableException unavailable(Throwable cause) {
        return new KafkaUnavailableException("Kafka did not answer within " + TIMEOUT_SECONDS + " s while setting up topics", cause);
    }
}
