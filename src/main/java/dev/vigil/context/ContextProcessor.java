package dev.vigil.context;

import dev.vigil.ingest.ParsedRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Appends each record's context features ({@link ContextFeatures}) and forwards it to the scorer;
 * keeps one {@link EntityState} per entity in a changelogged store, so a restart restores it; and
 * pages once when an entity that reported at a rhythm goes silent. Its task must see all of an
 * entity's records: the topology repartitions by entity unless the input already is keyed that way.
 *
 * <p><b>Replays.</b> Under {@code exactly_once_v2} the store is restored to the last commit, so a
 * record replayed after a crash gets the same context (and so the same score and ids) as the first
 * time. Under {@code at_least_once} the store's changelog may run ahead of the committed input
 * offsets (a full cache flushes between commits; a crash can fall between a commit's flush and its
 * offset commit), so the store may already hold the update of a record that is replayed. Updates
 * are therefore idempotent by source position: each entity remembers the last offset it applied per
 * input partition, and a record at or below it is only derived against the state as it is
 * ({@link ContextFeatures#derive}), never applied twice. Its context can then differ from the first
 * time: it is compared with a state that already holds it and maybe later records (a run of
 * unchanged records counts it again, its level is measured from a mean that moved towards it), so
 * its score may differ; its ids do not. An entity's records from one input partition are always
 * applied in that partition's order. Records of one entity from several input partitions (input
 * not keyed by entity, repartitioned here) have no order between partitions, and a replay of one
 * upstream partition interleaves with the others differently than the first attempt did: that is
 * when a replay reorders one entity's records. With input keyed by entity a replay never does.
 *
 * <p><b>Disorder.</b> Records are taken in arrival order: one older in event time than its entity's
 * last gets its context like any other but does not move the entity's clock back ({@link ContextFeatures}).
 *
 * <p><b>Sweep.</b> Every {@code vigil.context.sweep.interval.ms} of stream time (so never while the input stands
 * still) the store is scanned once: an entity not seen for {@code entityTtl} of event time is
 * dropped (a silent one gets its {@link SilenceResolved}, reason {@code expired}); an entity with a
 * rhythm ({@link EntityState#hasRhythm()})
 * whose partition's event time has moved more than {@code silenceGapFactor} usual gaps past its last
 * record gets one {@link SilenceAlert}. Time is the event time of the entity's input partition
 * ({@link SourceClocks}), so a backlog after an outage or a restart, whose records carry their own
 * times, is never silence, and a partition that stops as a whole is the input-rate alert's business.
 * When a silent entity reports again, one {@link SilenceResolved} (reason {@code returned}) goes out
 * before its record is scored.
 */
public final class ContextProcessor implements Processor<byte[], ParsedRecord, byte[], ContextOutput> {

    /** Told how many entities the task holds, at every sweep and when the task closes (0). */
    public interface Listener {
        void entitiesHeld(String task, long entities);
    }


    private final String storeName;
    private final Duration sweepInterval;
    private final ContextFeatures features;
    private final long entityTtlMs;
    private final double silenceGapFactor;
    private final String scoreChild;
    private final String alertsChild;
    private final Listener listener;
    private final SourceClocks clocks = new SourceClocks();
    private ProcessorContext<byte[], ContextOutput> context;
    private KeyValueStore<String, byte[]> store;
    private String task;

    public ContextProcessor(String storeName, ContextFeatures features, Duration entityTtl, double silenceGapFactor,
                            Duration sweepInterval, String scoreChild, String alertsChild, Listener listener) {
        this.storeName = storeName;
        this.sweepInterval = sweepInterval;
        this.features = features;
        this.entityTtlMs = entityTtl.toMillis();
        this.silenceGapFactor = silenceGapFactor;
        this.scoreChild = scoreChild;
        this.alertsChild = alertsChild;
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<byte[], ContextOutput> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
        this.task = context.taskId().toString();
        listener.entitiesHeld(task, store.approximateNumEntries());
        context.schedule(sweepInterval, PunctuationType.STREAM_TIME, this::sweep);
    }

    @Override
    public void process(Record<byte[], ParsedRecord> record) {
        ParsedRecord parsed = record.value();
        // Records without an entity (no key field, no Kafka key) are one unnamed entity, as offline.
        String entity = parsed.entity() == null ? "" : parsed.entity();
        long source = EntityState.sourceKey(parsed.sourceTopic(), parsed.sourcePartition());
        byte[] stored = store.get(entity);
        EntityState state = stored == null ? features.newState() : EntityState.fromBytes(stored);
        double[] input;
        if (parsed.sourceOffset() <= state.appliedOffset(source)) {
            input = features.derive(state, parsed.features());
        } else {
            if (state.silent()) {
                long silent = Math.max(0, parsed.eventTime() - state.lastEventTime());
                resolve(entity, state, parsed.eventTime(), silent, SilenceResolved.Reason.RETURNED, parsed.timestamp());
                state.clearSilent();
            }
            input = features.apply(state, parsed.features(), parsed.eventTime());
            state.applied(source, parsed.sourceTopic(), parsed.sourcePartition(), parsed.sourceOffset());
            store.put(entity, state.toBytes());
        }
        clocks.advance(source, parsed.eventTime());
        // The input's timestamp: a repartition topic stamps records with its own append time.
        context.forward(new Record<>(record.key(), (ContextOutput) new EnrichedRecord(parsed, input), parsed.timestamp(),
                record.headers()), scoreChild);
    }

    private void sweep(long streamTime) {
        long latest = clocks.latest();
        if (latest == Long.MIN_VALUE) {
            return; // no record since the task started: no clock to judge by
        }
        List<KeyValue<String, EntityState>> expired = new ArrayList<>();
        Map<String, EntityState> silenced = new LinkedHashMap<>();
        long held = 0;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                EntityState state = EntityState.fromBytes(kv.value);
                if (latest - state.lastEventTime() > entityTtlMs) {
                    expired.add(KeyValue.pair(kv.key, state));
                    continue;
                }
                held++;
                if (!state.silent() && state.hasRhythm()) {
                    long now = clocks.at(state.lastSource());
                    if (now != Long.MIN_VALUE && now - state.lastEventTime() > silenceGapFactor * state.usualGapMillis()) {
                        state.markSilent(now);
                        silenced.put(kv.key, state);
                    }
                }
            }
        }
        for (KeyValue<String, EntityState> e : expired) {
            store.delete(e.key);
            if (e.value.silent()) {
                resolve(e.key, e.value, null, latest - e.value.lastEventTime(), SilenceResolved.Reason.EXPIRED, streamTime);
            }
        }
        silenced.forEach((entity, state) -> {
            store.put(entity, state.toBytes());
            SilenceAlert alert = new SilenceAlert(Silence.alertId(named(entity), state.lastSourceId()), named(entity),
                    state.lastEventTime(), Math.round(state.usualGapMillis()), state.silentSince - state.lastEventTime());
            context.forward(new Record<>(key(entity), (ContextOutput) alert, streamTime), alertsChild);
        });
        listener.entitiesHeld(task, held);
    }

    /** Closes the entity's silence; {@code state} is as it was before the record that ended it. */
    private void resolve(String entity, EntityState state, Long returnedAt, long silentMs, SilenceResolved.Reason reason,
                         long timestamp) {
        SilenceResolved resolved = new SilenceResolved(Silence.alertId(named(entity), state.lastSourceId()), named(entity),
                state.lastEventTime(), returnedAt, silentMs, reason);
        context.forward(new Record<>(key(entity), (ContextOutput) resolved, timestamp), alertsChild);
    }

    private static String named(String entity) {
        return entity.isEmpty() ? null : entity;
    }

    private static byte[] key(String entity) {
        return entity.isEmpty() ? null : entity.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        listener.entitiesHeld(task, 0);
    }
}
