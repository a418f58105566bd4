package dev.vigil.score;

import dev.vigil.ingest.Scorable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Buffers parsed records and scores them one micro-batch at a time: when the batch is full, when
 * its oldest record has waited {@code maxWait}, or, when asked
 * ({@code vigil.score.batch.flush.when.drained}), as soon as the input is drained: a wall-clock
 * punctuation every millisecond that finds no record accepted since the previous one scores what
 * is buffered, since waiting would only add latency. Kafka Streams punctuates between runs of
 * records and after each poll, so under load batches still fill up to {@code capacity} or
 * {@code maxWait}, and an idle input is noticed within one poll ({@code poll.ms}).
 *
 * <p>Kafka Streams commits the offset of a record once this processor has accepted it, so a record
 * accepted but not yet scored must survive a commit. Given {@link UnscoredOffsets} (at-least-once),
 * the commit stops at the oldest such record instead: the buffer is plain memory, and a restart reads
 * its records again. Otherwise (exactly_once_v2, where offsets go into the producer's transaction)
 * the buffer lives in a changelogged store: after a crash the restored store still holds every
 * record that was accepted but not yet scored. The store is restored in both cases, so records an
 * earlier instance left in it are scored whichever way this one runs. Keys are slots
 * {@code sequence % capacity}; a scored record's slot is deleted, and the key {@link #SCORED_THROUGH} holds the sequence of the last record scored
 * (a restore of a changelog written before slots were deleted needs it to know which are pending).
 * The store's cache folds all writes to a slot within one commit interval into one, so the
 * changelog sees at most {@code capacity + 1} writes per commit, however high the throughput, and
 * most of them are tombstones of a few bytes: a slot put and deleted within the interval.
 * Outputs keep input order.
 */
public final class ScoringProcessor implements Processor<byte[], Scorable, byte[], ScoringOutput> {

    /** Told about every scored batch and every outcome, e.g. to update metrics. */
    public interface Listener {
        /** {@code nanos}: how long {@link BatchScorer#score} took for the batch of {@code size} records. */
        void batchScored(int size, long nanos);

        /** {@code timestamp} is the input record's Kafka timestamp, for end-to-end latency. */
        void outcome(String sourceTopic, Outcome outcome, double score, long timestamp);

        /**
         * Whether this listener wants {@link #bufferWaited}; asked once, when the processor is built. When false (the
         * default) the processor reads no clock per record for it.
         */
        default boolean timesBufferWait() {
            return false;
        }

        /**
         * How long one scored record waited in the micro-batch buffer: from the processor accepting it to its batch's
         * call to {@link BatchScorer#score} starting. Called for every record of a batch, after {@link #batchScored}.
         */
        default void bufferWaited(long nanos) {
        }
    }

    /** Where outputs go; a null child is not written (e.g. scores turned off, training off). */
    public record Children(String scores, String alerts, String training) {
    }

    /**
     * {@code arrivalMs} is the punctuator's clock, which Kafka Streams reads once per run of records, so it can be
     * behind by as long as that run took: fine for "is the batch old", too coarse to time the wait. {@code acceptedNanos}
     * times it, and is read only when the listener asks for buffer waits (0 otherwise).
     */
    private record Pending(int slot, long arrivalMs, long acceptedNanos, BufferedRecord record) {
    }

    /** How often the buffer is looked at: the shortest wall-clock punctuation. */
    private static final Duration TICK = Duration.ofMillis(1);

    /** Key of the watermark: the sequence of the last record whose outputs were forwarded. */
    static final int SCORED_THROUGH = -1;

    private final String storeName;
    private final UnscoredOffsets unscored;
    /** The partitions this processor holds in {@link #unscored}: one to a few per task. */
    private final List<TopicPartition> held = new ArrayList<>();
    private final int capacity;
    private final Duration maxWait;
    private final boolean flushWhenDrained;
    private final ModelHolder models;
    private final int topFeatures;
    private final Children children;
    private final Listener listener;
    private final boolean timesBufferWait;
    private final long sampleBound;

    private ProcessorContext<byte[], ScoringOutput> context;
    private KeyValueStore<Integer, byte[]> store;
    private final List<Pending> buffer = new ArrayList<>();
    private long nextSequence;
    private boolean flushBeforeNext;
    private int acceptedSinceTick;

    /**
     * {@code flushWhenDrained}: score a partial batch as soon as the input is drained, not only when it is due.
     * {@code unscored}: where to hold commits at unscored records (at-least-once), or null to keep them in the
     * store {@code storeName} instead.
     */
    public ScoringProcessor(String storeName, UnscoredOffsets unscored, int capacity, Duration maxWait, boolean flushWhenDrained, ModelHolder models,
                            int topFeatures, Children children, double trainingSampleRate, Listener listener) {
        this.storeName = storeName;
        this.unscored = unscored;
        this.capacity = capacity;
        this.maxWait = maxWait;
        this.flushWhenDrained = flushWhenDrained;
        this.models = models;
        this.topFeatures = topFeatures;
        this.children = children;
        this.listener = listener;
        this.timesBufferWait = listener.timesBufferWait();
        this.sampleBound = (long) (trainingSampleRate * SAMPLE_SCALE);
    }

    private static final long SAMPLE_SCALE = 1L << 32;

    /**
     * Whether a record goes to the training topic: decided by a hash of where it came from
     * (topic, partition, offset), so a replay after a crash samples the same records. Hashed
     * from the parts rather than from {@link SourceId#id()}: no string per record on this path.
     */
    private boolean sampled(SourceId source) {
        long h = ((long) source.topic().hashCode() * 31 + source.partition()) * 0x9E3779B97F4A7C15L + source.offset();
        h *= 0x9E3779B97F4A7C15L;
        return ((h >>> 32) & 0xFFFFFFFFL) < sampleBound;
    }

    private void sample(BufferedRecord r, boolean scored, boolean anomaly, double score, double pValue) {
        if (children.training() != null && sampled(r.source())) {
            TrainingSample sample = new TrainingSample(r.eventTime(), scored, anomaly, score, pValue, r.features());
            // Stamped now, not with the input's time: the training topic's retention must count from when the
            // sample was written, also on a topic created before it was LogAppendTime (the window reads the
            // event time from the sample itself).
            context.forward(new Record<>((byte[]) null, (ScoringOutput) sample, context.currentSystemTimeMs()), children.training());
        }
    }

    @Override
    public void init(ProcessorContext<byte[], ScoringOutput> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
        restore();
        // The punctuator's clock, not System.nanoTime(): the same clock the test driver advances.
        context.schedule(TICK, PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    /** Reloads records that were buffered when the last instance of this task stopped or crashed. */
    private void restore() {
        byte[] watermark = store.get(SCORED_THROUGH);
        long scoredThrough = watermark == null ? -1 : ByteBuffer.wrap(watermark).getLong();
        List<Pending> restored = new ArrayList<>();
        try (KeyValueIterator<Integer, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<Integer, byte[]> kv = it.next();
                if (kv.key != SCORED_THROUGH) {
                    BufferedRecord r = BufferedRecord.fromBytes(kv.value);
                    if (r.sequence() > scoredThrough) {
                        restored.add(new Pending(kv.key, context.currentSystemTimeMs(), acceptedNanos(), r));
                    }
                }
            }
        }
        restored.sort(Comparator.comparingLong(p -> p.record().sequence()));
        buffer.addAll(restored);
        nextSequence = scoredThrough + 1;
        if (!restored.isEmpty()) {
            nextSequence = restored.get(restored.size() - 1).record().sequence() + 1;
        }
        // Slots of a restored buffer may clash with new ones (e.g. the capacity changed): score them first.
        flushBeforeNext = !restored.isEmpty();
    }

    @Override
    public void process(Record<byte[], Scorable> record) {
        if (flushBeforeNext) {
            flush();
        }
        // The source travels with the record: behind a repartition, the record metadata is the repartition topic's.
        Scorable parsed = record.value();
        long sequence = nextSequence++;
        BufferedRecord buffered = new BufferedRecord(sequence,
                new SourceId(parsed.sourceTopic(), parsed.sourcePartition(), parsed.sourceOffset()),
                record.timestamp(), parsed.entity(), parsed.eventTime(), parsed.features(), record.key(), parsed.value());
        int slot = (int) (sequence % capacity);
        if (unscored == null) {
            store.put(slot, buffered.toBytes());
        } else {
            // A record without metadata came from an upstream punctuation, not a topic: nothing could read it again.
            context.recordMetadata().ifPresent(m -> hold(m.topic(), m.partition(), m.offset()));
        }
        acceptedSinceTick++;
        buffer.add(new Pending(slot, context.currentSystemTimeMs(), acceptedNanos(), buffered));
        if (buffer.size() >= capacity) {
            flush();
        }
    }

    /** The first record of a partition since the last flush holds its commits; later ones are behind it. */
    private void hold(String topic, int partition, long offset) {
        for (TopicPartition p : held) {
            if (p.partition() == partition && p.topic().equals(topic)) {
                return;
            }
        }
        TopicPartition p = new TopicPartition(topic, partition);
        held.add(p);
        unscored.hold(p, offset);
    }

    private void releaseHeld() {
        for (TopicPartition p : held) {
            unscored.release(p);
        }
        held.clear();
    }

    private long acceptedNanos() {
        return timesBufferWait ? System.nanoTime() : 0L;
    }

    /** Scores the buffer when the input is drained (nothing accepted since the last tick) or its oldest record is due. */
    private void tick(long nowMs) {
        boolean drained = flushWhenDrained && acceptedSinceTick == 0;
        acceptedSinceTick = 0;
        if (!buffer.isEmpty() && (drained || nowMs - buffer.get(0).arrivalMs() >= maxWait.toMillis())) {
            flush();
        }
    }

    private void flush() {
        // The store has this batch's records when it keeps the buffer, or when they are the restored ones, which the
        // first flush after a restore scores before any new record (flushBeforeNext).
        boolean inStore = unscored == null || flushBeforeNext;
        flushBeforeNext = false;
        if (buffer.isEmpty()) {
            return;
        }
        try (ModelHolder.Lease lease = models.acquire()) {
            BatchScorer scorer = lease.scorer();
            if (scorer == null) {
                emitUnscored();
            } else {
                emitScored(scorer);
            }
        }
        if (inStore) {
            // Deleted, not left to be overwritten: the cache folds a slot's put and delete into one tombstone, so a
            // commit sends the changelog a few bytes for each scored slot instead of the whole record.
            for (Pending p : buffer) {
                store.delete(p.slot());
            }
            // The watermark marks the whole batch done: for a changelog written before slots were deleted, and for a
            // commit whose tombstones did not all reach the changelog before a crash.
            long last = buffer.get(buffer.size() - 1).record().sequence();
            store.put(SCORED_THROUGH, ByteBuffer.allocate(Long.BYTES).putLong(last).array());
        }
        releaseHeld();
        buffer.clear();
    }

    /**
     * The task is closing: after its last commit, which stopped at the first record still buffered. Those records
     * are dropped here and read again by whoever owns the partition next.
     */
    @Override
    public void close() {
        releaseHeld();
    }

    private void emitUnscored() {
        for (Pending p : buffer) {
            BufferedRecord r = p.record();
            emitScore(r, new ScoreRecord(r.source().id(), r.source().topic(), r.source().partition(), r.source().offset(),
                    r.entity(), r.eventTime(), Outcome.UNSCORED.label(), null, null, null, null, null, null));
            listener.outcome(r.source().topic(), Outcome.UNSCORED, Double.NaN, r.timestamp());
            sample(r, false, false, Double.NaN, Double.NaN);
        }
    }

    private void emitScored(BatchScorer scorer) {
        double[][] rows = new double[buffer.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = buffer.get(i).record().features();
        }
        long start = System.nanoTime();
        ScoredBatch scored = scorer.score(rows);
        listener.batchScored(rows.length, System.nanoTime() - start);
        if (timesBufferWait) {
            for (int i = 0; i < rows.length; i++) {
                listener.bufferWaited(start - buffer.get(i).acceptedNanos());
            }
        }
        long detectionTime = System.currentTimeMillis();
        for (int i = 0; i < rows.length; i++) {
            BufferedRecord r = buffer.get(i).record();
            boolean anomaly = scored.anomaly(i);
            Outcome outcome = anomaly ? Outcome.ANOMALY : Outcome.NORMAL;
            String id = r.source().id();
            emitScore(r, new ScoreRecord(id, r.source().topic(), r.source().partition(), r.source().offset(),
                    r.entity(), r.eventTime(), outcome.label(), scored.score(i), scored.pValue(i), scored.severity(i),
                    scorer.threshold(), scorer.modelVersion(), scorer.calibrationVersion()));
            if (anomaly && children.alerts() != null) {
                Alert alert = new Alert(id, id, r.entity(), r.eventTime(), detectionTime,
                        scored.score(i), scorer.threshold(), scored.pValue(i), scored.severity(i), scorer.modelVersion(),
                        scorer.calibrationVersion(), scored.contributions(i, topFeatures), r.source(),
                        r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8));
                context.forward(new Record<>(entityKey(r), (ScoringOutput) alert, r.timestamp()), children.alerts());
            }
            listener.outcome(r.source().topic(), outcome, scored.score(i), r.timestamp());
            sample(r, true, anomaly, scored.score(i), scored.pValue(i));
        }
    }

    private void emitScore(BufferedRecord r, ScoreRecord score) {
        if (children.scores() != null) {
            context.forward(new Record<>(entityKey(r), (ScoringOutput) score, r.timestamp()), children.scores());
        }
    }

    private static byte[] entityKey(BufferedRecord r) {
        return r.entity() != null ? r.entity().getBytes(StandardCharsets.UTF_8) : r.key();
    }
}
