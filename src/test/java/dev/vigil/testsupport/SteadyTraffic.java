package dev.vigil.testsupport;

import dev.vigil.demo.TrafficGenerator;
import dev.vigil.score.SourceId;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Generated traffic at a fixed rate on its own thread until stopped, remembering the offset and
 * truth label of every record the broker acknowledged ({@code acks=all}, idempotent). Idempotence
 * did not always hold across a broker restart: a batch appended while the broker shut down was
 * answered NOT_LEADER_OR_FOLLOWER, retried, and appended again, with only the retry's offsets
 * acknowledged; ChaosIT therefore reads the topic back. Sends go out every 50 ms; after a stall (a
 * broker that is away) the schedule catches up, so the offered total stays rate times duration.
 */
public final class SteadyTraffic implements AutoCloseable {

    private static final long TICK_MS = 50;

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<SourceId, String> produced = new ConcurrentHashMap<>();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    private final int rate;
    private final Thread thread;

    /**
     * Starts producing to {@code topic} at {@code rate} records/s.
     *
     * @param options what the generator makes (its seed, malformed and anomaly shares)
     */
    public SteadyTraffic(String bootstrapServers, String topic, int rate, TrafficGenerator.Options options) {
        if (rate * TICK_MS < 1000) {
            throw new IllegalArgumentException("rate must be at least " + 1000 / TICK_MS + " records/s, got " + rate);
        }
        this.rate = rate;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        TrafficGenerator generator = new TrafficGenerator(options);
        thread = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                int perTick = (int) (rate * TICK_MS / 1000);
                long next = System.nanoTime();
                while (running.get()) {
                    generator.next(perTick).forEach(r -> producer.send(r.toProducerRecord(topic), (m, e) -> {
                        if (e == null) {
                            produced.put(new SourceId(m.topic(), m.partition(), m.offset()), r.truth());
                        } else {
                            failed.incrementAndGet();
                            firstFailure.compareAndSet(null, e);
                        }
                    }));
                    next += TimeUnit.MILLISECONDS.toNanos(TICK_MS);
                    long sleep = next - System.nanoTime();
                    if (sleep > 0) {
                        TimeUnit.NANOSECONDS.sleep(sleep);
                    }
                }
                producer.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "steady-traffic");
        thread.start();
    }

    /** Offered records/s. */
    public int rate() {
        return rate;
    }

    /** Acknowledged records so far: input offset to truth label (live view). */
    public Map<SourceId, String> produced() {
        return produced;
    }

    /** Sends the producer gave up on (never acknowledged, so not in {@link #produced()}). */
    public long failed() {
        return failed.get();
    }

    /** The first send failure, if any. */
    public Exception firstFailure() {
        return firstFailure.get();
    }

    /** Stops producing; returns once every record sent has been acknowledged or has failed. */
    public void stop() throws InterruptedException {
        running.set(false);
        thread.join(TimeUnit.SECONDS.toMillis(150));
        if (thread.isAlive()) {
            throw new AssertionError("the traffic thread did not finish within 150 s of being stopped");
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
