package dev.vigil.backtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** What {@code vigil backtest} prints: a short text for people, or flat JSON keys for scripts. */
public final class BacktestSummary {

    private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    private BacktestSummary() {
    }

    /** The summary as text: outcomes, models, per-day counts and the top entities. */
    public static String text(BacktestResult r) {
        StringBuilder s = new StringBuilder();
        long first = r.points().isEmpty() ? 0 : r.points().get(0).eventTime();
        long last = r.points().isEmpty() ? 0 : r.points().get(r.points().size() - 1).eventTime();
        s.append(String.format(Locale.ROOT, "vigil backtest: %,d records from %s, %s to %s UTC%n", r.records(), r.source(),
                MINUTES.format(Instant.ofEpochMilli(first)), MINUTES.format(Instant.ofEpochMilli(last))));
        s.append(String.format(Locale.ROOT, "  scored %,d, anomalies %,d (%s of scored), unscored (cold start) %,d, dead letters %,d%n",
                r.scored(), r.anomalies(), percent(r.anomalies(), r.scored()), r.unscored(), r.deadLetters()));
        long silences = r.alerts().stream().filter(a -> a.kind().equals("silent")).count();
        s.append(String.format(Locale.ROOT, "  alerts %,d%s%n", r.alerts().size(),
                silences == 0 ? "" : String.format(Locale.ROOT, " (%,d of them silences)", silences)));
        s.append(String.format(Locale.ROOT, "models (%d):%n", r.models().size()));
        for (BacktestResult.ModelRow m : r.models()) {
            s.append(String.format(Locale.ROOT, "  %s  %-4s %-9s %5.1f s  %s%n", MINUTES.format(Instant.ofEpochMilli(m.eventTime())),
                    m.version() == 0 ? "-" : "v" + m.version(), m.result(), m.seconds(), m.reason()));
        }
        s.append(String.format(Locale.ROOT, "per day (UTC):%n  %-10s %9s %9s %7s %9s%n", "day", "records", "anomalies", "alerts",
                "incidents"));
        for (BacktestResult.DayRow d : r.days()) {
            s.append(String.format(Locale.ROOT, "  %-10s %,9d %,9d %,7d %,9d%n", d.day(), d.records(), d.anomalies(), d.alerts(),
                    d.incidents()));
        }
        s.append(String.format(Locale.ROOT, "top entities:%n  %-24s %9s %9s %7s%n", "entity", "records", "anomalies", "alerts"));
        for (BacktestResult.EntityRow e : r.topEntities()) {
            s.append(String.format(Locale.ROOT, "  %-24s %,9d %,9d %,7d%n", e.entity(), e.records(), e.anomalies(), e.alerts()));
        }
        return s.toString();
    }

    /** The totals as one flat JSON object (the per-day and model tables are in the report). */
    public static String json(BacktestResult r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("source", r.source());
        o.put("records", r.records());
        o.put("scored", r.scored());
        o.put("anomalies", r.anomalies());
        o.put("unscored", r.unscored());
        o.put("dead_letters", r.deadLetters());
        o.put("alerts", r.alerts().size());
        o.put("silent_alerts", r.alerts().stream().filter(a -> a.kind().equals("silent")).count());
        o.put("days", r.days().size());
        o.put("incidents", r.days().stream().mapToLong(BacktestResult.DayRow::incidents).sum());
        o.put("models_promoted", r.models().stream().filter(m -> m.result().equals("promoted")).count());
        o.put("models_rejected", r.models().stream().filter(m -> m.result().equals("rejected")).count());
        o.put("models_failed", r.models().stream().filter(m -> m.result().equals("failed")).count());
        o.put("last_model_version", r.models().stream().mapToLong(BacktestResult.ModelRow::version).max().orElse(0));
        return o.toString();
    }

    private static String percent(long part, long whole) {
        return whole == 0 ? "-" : String.format(Locale.ROOT, "%.2f%%", 100.0 * part / whole);
    }
}
