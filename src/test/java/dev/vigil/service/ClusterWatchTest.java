package dev.vigil.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClusterWatchTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final AtomicLong clock = new AtomicLong();
    private final AtomicBoolean brokerUp = new AtomicBoolean(true);
    private final ClusterWatch watch = new ClusterWatch(timeout -> {
        if (!brokerUp.get()) {
            throw new TimeoutException("Timed out waiting for a node assignment. Call: describeCluster");
        }
    }, TIMEOUT, clock::get, () -> { });

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private PrintStream originalErr;

    @BeforeEach
    void captureLog() {
        // slf4j-simple writes to whatever System.err is at the time.
        originalErr = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreLog() {
        System.setErr(originalErr);
    }

    @Test
    void shouldStayReachableThroughFailuresShorterThanTheTimeout() {
        watch.check();
        brokerUp.set(false);
        advance(Duration.ofSeconds(9));
        watch.check();

        assertThat(watch.problem()).isEmpty();
        assertThat(logged()).isEmpty();
    }

    @Test
    void shouldBeUnreachableOnceNoCheckSucceededForTheTimeoutAndLogItOnce() {
        watch.check();
        brokerUp.set(false);
        for (int i = 0; i < 6; i++) {
            advance(Duration.ofSeconds(2));
            watch.check();
        }

        assertThat(watch.problem()).hasValueSatisfying(p -> assertThat(p)
                .startsWith("Kafka cluster unreachable for 12 s")
                .contains("TimeoutException: Timed out waiting for a node assignment"));
        assertThat(logged()).containsOnlyOnce("Kafka cluster unreachable for 10 s").contains("/readyz answers 503");
    }

    @Test
    void shouldBeReachableAgainAfterOneSuccessAndLogIt() {
        brokerUp.set(false);
        advance(TIMEOUT);
        watch.check();
        assertThat(watch.problem()).isPresent();

        brokerUp.set(true);
        advance(Duration.ofSeconds(5));
        watch.check();

        assertThat(watch.problem()).isEmpty();
        assertThat(logged()).containsOnlyOnce("Kafka cluster reachable again after 15 s");
    }

    @Test
    void shouldCountAClusterNeverReachedAsUnreachableAfterTheTimeout() {
        brokerUp.set(false);
        watch.check();
        assertThat(watch.problem()).as("within the timeout of the start").isEmpty();

        advance(TIMEOUT);
        watch.check();
        assertThat(watch.problem()).isPresent();
    }

    private void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    private String logged() {
        return log.toString(StandardCharsets.UTF_8);
    }
}
