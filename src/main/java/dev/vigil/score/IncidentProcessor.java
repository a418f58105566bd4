package dev.vigil.score;

import dev.vigil.kafka.RecordSize;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Folds consecutive anomalies of one entity into one incident: the first anomaly opens an
 * incident and is published as an alert ({@code status: open}, the page); anomalies of the same
 * entity within {@code cooldown} (event time) of the incident's last one update it (count, peak
 * score) without paging again. Once the cooldown has passed since its last anomaly, in event time
 * (the partition's anomalies moved on) or in wall-clock time while the partition is idle, the
 * incident closes and one {@link IncidentResolved} record with its count and peak follows on the
 * alerts topic. Incidents live in a changelogged store so a restart
 * does not page twice for one incident.
 */
public final class IncidentProcessor implements Processor<byte[], Alert, byte[], byte[]> {

    /** Told about every alert published and every anomaly folded into an open incident. */
    public interface Listener {
        void alerted(Alert alert);

        void folded(Alert alert);
    }

    /**
     * An open incident, stored per entity. {@code openedAt} and {@code lastAt} are event times of its
     * first and last anomaly; {@code touchedAt} is the wall-clock time of the last one.
     */
    record Incident(String incidentId, long openedAt, long lastAt, long count, double peakScore, long touchedAt) {
        /** {@code touchedAt} of an entry written before incidents kept wall-clock time. */
        static final long UNKNOWN = -1;

        byte[] toBytes() {
            byte[] id = incidentId.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(4 + id.length + 8 * 5)
                    .putInt(id.length).put(id).putLong(openedAt).putLong(lastAt).putLong(count).putDouble(peakScore)
                    .putLong(touchedAt).array();
        }

        static Incident fromBytes(byte[] bytes) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            byte[] id = new byte[b.getInt()];
            b.get(id);
            String incidentId = new String(id, StandardCharsets.UTF_8);
            long openedAt = b.getLong();
            long lastAt = b.getLong();
            long count = b.getLong();
            double peak = b.getDouble();
            // Entries written before incidents resolved have no wall-clock time: the first sweep gives them one.
            long touchedAt = b.remaining() >= Long.BYTES ? b.getLong() : UNKNOWN;
            return new Incident(incidentId, openedAt, lastAt, count, peak, touchedAt);
        }

        /**
         * Closed once the cooldown passed in event time (the partition's anomalies moved on), or in
         * wall-clock time while the partition was idle: a backlog after an outage is judged by event
         * time alone, so it does not page again for an incident that never ended.
         */
        boolean closedAt(long latestEventTime, long now, boolean idle, long cooldownMs) {
            return (latestEventTime != Long.MIN_VALUE && latestEventTime - lastAt > cooldownMs)
                    || (idle && touchedAt != UNKNOWN && now - touchedAt > cooldownMs);
        }

        Incident touched(long now) {
            return new Incident(incidentId, openedAt, lastAt, count, peakScore, now);
        }
    }

    private final String storeName;
    private final long cooldownMs;
    private final String alertsChild;
    private final Listener listener;
    private final int maxSendBytes;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> store;
    private long latestEventTime = Long.MIN_VALUE;
    /** The task's stream time at the last sweep, and the wall-clock time it last moved. */
    private long lastStreamTime = Long.MIN_VALUE;
    private long streamMovedAt;

    /** Characters of the input value an alert keeps when the whole value does not fit. */
    static final int TRUNCATED_RECORD_PREFIX_CHARS = 1024;

    /**
     * @param maxSendBytes the producer's {@code max.request.size}: an alert that would be larger
     *                     embeds the input value's size, SHA-256 and prefix instead of the value
     */
    public IncidentProcessor(String storeName, Duration cooldown, String alertsChild, Listener listener, int maxSendBytes) {
        this.maxSendBytes = maxSendBytes;
        this.storeName = storeName;
        this.cooldownMs = cooldown.toMillis();
        this.alertsChild = alertsChild;
        this.listener = listener;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
        // Closed incidents would otherwise stay in the store for ever, one per entity ever seen.
        context.schedule(Duration.ofMillis(Math.max(cooldownMs, 1_000)), PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    @Override
    public void process(Record<byte[], Alert> record) {
        Alert alert = record.value();
        String entity = alert.entity() == null ? "" : alert.entity();
        latestEventTime = Math.max(latestEventTime, alert.eventTime());
        byte[] stored = store.get(entity);
        Incident open = stored == null ? null : Incident.fromBytes(stored);
        if (open != null && alert.eventTime() - open.lastAt() <= cooldownMs) {
            store.put(entity, new Incident(open.incidentId(), open.openedAt(), Math.max(open.lastAt(), alert.eventTime()),
                    open.count() + 1, Math.max(open.peakScore(), alert.score()), context.currentSystemTimeMs()).toBytes());
            listener.folded(alert.inIncident(open.incidentId()));
            return;
        }
        if (open != null) {
            resolve(entity, open, context.currentSystemTimeMs()); // the punctuator had not closed it yet
        }
        Alert opening = alert.inIncident(alert.alertId());
        store.put(entity, new Incident(opening.incidentId(), alert.eventTime(), alert.eventTime(), 1, alert.score(),
                context.currentSystemTimeMs()).toBytes());
        context.forward(record.withValue(alertBytes(record, opening)), alertsChild);
        listener.alerted(opening);
    }

    /** The alert's JSON, with the embedded input value cut when the whole would be refused by the producer. */
    private byte[] alertBytes(Record<byte[], Alert> record, Alert alert) {
        byte[] json = Json.bytes(alert);
        if (RecordSize.upperBound(record.key(), json, record.headers()) <= maxSendBytes) {
            return json;
        }
        return Json.bytes(alert.withRecordTruncated(TRUNCATED_RECORD_PREFIX_CHARS));
    }

    private void expire(long now) {
        long streamTime = context.currentStreamTimeMs();
        if (streamTime != lastStreamTime) {
            lastStreamTime = streamTime;
            streamMovedAt = now;
        }
        boolean idle = now - streamMovedAt > cooldownMs;
        Map<String, Incident> closed = new LinkedHashMap<>();
        Map<String, Incident> dated = new LinkedHashMap<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                Incident incident = Incident.fromBytes(kv.value);
                if (incident.closedAt(latestEventTime, now, idle, cooldownMs)) {
                    closed.put(kv.key, incident);
                } else if (incident.touchedAt() == Incident.UNKNOWN) {
                    dated.put(kv.key, incident.touched(now));
                }
            }
        }
        dated.forEach((entity, incident) -> store.put(entity, incident.toBytes()));
        closed.forEach((entity, incident) -> {
            resolve(entity, incident, now);
            store.delete(entity);
        });
    }

    private void resolve(String entity, Incident incident, long now) {
        IncidentResolved resolved = new IncidentResolved(incident.incidentId(), entity.isEmpty() ? null : entity,
                incident.openedAt(), incident.lastAt(), incident.count(), incident.peakScore(), now);
        byte[] key = entity.isEmpty() ? null : entity.getBytes(StandardCharsets.UTF_8);
        context.forward(new Record<>(key, Json.bytes(resolved), incident.lastAt()), alertsChild);
    }
}
