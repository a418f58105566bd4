package dev.vigil.demo;

import dev.vigil.context.ContextFeatures;
import dev.vigil.context.EntityState;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.ingest.InvalidRecordException;
import dev.vigil.ingest.RecordParser;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Replays generated records through the per-entity context state the service keeps
 * ({@link ContextFeatures}, {@link EntityState}) and applies the service's silence rule to them: an
 * entity with a rhythm ({@value #MIN_GAPS} gaps seen, typical log-gap deviation at most
 * {@value #MAX_LOG_DEVIATION}) that sends nothing for longer than {@value #SILENT_AFTER_GAPS} usual
 * gaps is silent. Malformed records are skipped: they go to the dead-letter topic and the context
 * never sees them.
 */
final class SilenceReplay {

    static final long MIN_GAPS = EntityState.RHYTHM_MIN_GAPS;
    static final double MAX_LOG_DEVIATION = EntityState.RHYTHM_MAX_LOG_DEVIATION;
    static final double SILENT_AFTER_GAPS = 5;

    /** A host that fell silent after record {@code lastIndex} and reported again at {@code backIndex}. */
    record Silent(String host, long lastIndex, long backIndex, double usualGapMillis, long gapMillis) {
    }

    /**
     * What the replay saw: the silences, and how many records (after their host's first
     * {@value #MIN_GAPS} gaps) arrived while their host had no rhythm by {@code strictDeviation}.
     */
    record Result(List<Silent> silences, long records, long withoutStrictRhythm, Map<String, Double> usualGapMillis) {
    }

    private SilenceReplay() {
    }

    /** Replays {@code records} in order, with event time {@code eventTime}, judging rhythm also by {@code strictDeviation}. */
    static Result replay(List<GeneratedRecord> records, ToLongFunction<GeneratedRecord> eventTime, double strictDeviation) {
        FeatureSpec spec = DemoRunner.serviceSpec();
        RecordParser parser = new RecordParser(spec, Integer.MAX_VALUE, false);
        ContextFeatures context = new ContextFeatures(spec);
        Map<String, EntityState> states = new HashMap<>();
        Map<String, Long> lastIndex = new HashMap<>();
        List<Silent> silences = new ArrayList<>();
        long seen = 0;
        long withoutRhythm = 0;
        for (GeneratedRecord r : records) {
            if (r.isMalformed()) {
                continue;
            }
            long t = eventTime.applyAsLong(r);
            double[] row;
            try {
                row = parser.parse(r.key(), r.value(), t).features();
            } catch (InvalidRecordException e) {
                throw new AssertionError("a well-formed record does not parse: " + r, e);
            }
            EntityState state = states.computeIfAbsent(r.host(), h -> context.newState());
            if (state.hasRhythm(MIN_GAPS, MAX_LOG_DEVIATION)
                    && t - state.lastEventTime() > SILENT_AFTER_GAPS * state.usualGapMillis()) {
                silences.add(new Silent(r.host(), lastIndex.get(r.host()), r.index(), state.usualGapMillis(),
                        t - state.lastEventTime()));
            }
            if (state.count() > MIN_GAPS) {
                seen++;
                withoutRhythm += state.hasRhythm(MIN_GAPS, strictDeviation) ? 0 : 1;
            }
            context.apply(state, row, t);
            lastIndex.put(r.host(), r.index());
        }
        Map<String, Double> gaps = new HashMap<>();
        states.forEach((host, state) -> gaps.put(host, state.usualGapMillis()));
        return new Result(silences, seen, withoutRhythm, gaps);
    }
}
