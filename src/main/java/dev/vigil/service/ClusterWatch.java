package dev.vigil.service;

import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this instance reaches the Kafka cluster, for {@code /readyz}.
 *
 * <p>Kafka Streams stays {@code RUNNING} through a broker outage: its threads keep polling and
 * retrying, and nothing in its state says the cluster is gone. So this asks the cluster itself: an
 * {@link Admin} client describes the cluster every fifth of the timeout (Kafka's own
 * {@code describeCluster}, answered by any live broker). Once no call has succeeded for the timeout
 * ({@code vigil.readiness.broker.timeout.ms}) the cluster counts as unreachable. One line is logged
 * when that happens and one when a call succeeds again.
 */
public final class ClusterWatch implements AutoCloseable {

    /** One look at the cluster; throws when it does not answer within {@code timeout}. */
    @FunctionalInterface
    public interface Probe {
        void check(Duration timeout) throws Exception;
    }

    private static final Logger LOG = LoggerFactory.getLogger(ClusterWatch.class);

    private final Probe probe;
    private final Duration timeout;
    private final LongSupplier nanoTime;
    private final AutoCloseable resources;
    // Written by the one probing thread, read by HTTP threads.
    private volatile long lastSuccess;
    private volatile String lastError = "none yet";
    private volatile String problem;

    /**
     * A watch driven by the caller ({@link #check()}), for tests and for {@link #start}.
     *
     * @param probe     one look at the cluster
     * @param timeout   how long without a successful look makes the cluster unreachable
     * @param nanoTime  the clock, {@link System#nanoTime} outside tests
     * @param resources closed by {@link #close()}
     */
    public ClusterWatch(Probe probe, Duration timeout, LongSupplier nanoTime, AutoCloseable resources) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        this.probe = probe;
        this.timeout = timeout;
        this.nanoTime = nanoTime;
        this.resources = resources;
        // Counted from the start: a cluster never reached is unreachable after the timeout too.
        this.lastSuccess = nanoTime.getAsLong();
    }

    /**
     * Starts watching the cluster of {@code adminProperties} on a daemon thread.
     *
     * @param adminProperties Admin client settings (bootstrap servers, security)
     * @param timeout         how long without an answer makes the cluster unreachable
     */
    public static ClusterWatch start(Properties adminProperties, Duration timeout) {
        Admin admin = Admin.create(adminProperties);
        Duration interval = timeout.dividedBy(5);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigil-cluster-watch");
            t.setDaemon(true);
            return t;
        });
        Probe describe = callTimeout -> admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) callTimeout.toMillis()))
                .clusterId().get(callTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        ClusterWatch watch = new ClusterWatch(describe, timeout, System::nanoTime, () -> {
            scheduler.shutdownNow();
            admin.close(Duration.ZERO);
        });
        // Fixed delay: a call that hangs until its own timeout is not followed by a pile of others.
        scheduler.scheduleWithFixedDelay(watch::check, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return watch;
    }

    /** Looks at the cluster once and logs when it becomes unreachable or reachable again. */
    public void check() {
        try {
            probe.check(timeout.dividedBy(5));
            long now = nanoTime.getAsLong();
            if (problem != null) {
                LOG.info("Kafka cluster reachable again after {} s: /readyz follows Kafka Streams again",
                        seconds(now - lastSuccess));
                problem = null;
            }
            lastSuccess = now;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            lastError = cause.getClass().getSimpleName() + ": " + cause.getMessage();
            long silent = nanoTime.getAsLong() - lastSuccess;
            if (silent >= timeout.toNanos()) {
                String now = "Kafka cluster unreachable for " + seconds(silent) + " s (last error: " + lastError + ")";
                if (problem == null) {
                    LOG.warn("{}: /readyz answers 503 until it is back", now);
                }
                problem = now;
            }
        }
    }

    /** Why the cluster counts as unreachable, as of the last look; empty while it answers. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    @Override
    public void close() {
        try {
            resources.close();
        } catch (Exception e) {
            LOG.warn("Closing the cluster watch failed", e);
        }
    }

    private static long seconds(long nanos) {
        return TimeUnit.NANOSECONDS.toSeconds(nanos);
    }
}
