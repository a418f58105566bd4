package dev.vigil.backtest;

import dev.vigil.backtest.BacktestResult.AlertRow;
import dev.vigil.backtest.BacktestResult.DayRow;
import dev.vigil.backtest.BacktestResult.EntityRow;
import dev.vigil.backtest.BacktestResult.Feature;
import dev.vigil.backtest.BacktestResult.ModelRow;
import dev.vigil.backtest.BacktestResult.Point;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A seeded backtest result for the report's tests and its screenshot: three days of one record a
 * minute whose score drifts, a cold start, models v1 and v2 with a rejected run between them, a few
 * anomalies (one far beyond the axis' clip), and three alerts, one of them from an entity whose name
 * is markup.
 */
final class SyntheticBacktest {

    /** An entity name that would inject an element and run a script if the report did not escape it. */
    static final String HOSTILE_ENTITY = "web-7<script>document.body.dataset.pwned='1'</script><b id=\"injected\">x</b>";
    static final long START = Instant.parse("2026-11-02T00:00:00Z").toEpochMilli();
    static final long MINUTE = 60_000;
    static final int RECORDS = 3 * 24 * 60;
    /** Records before v1 took effect (cold start), and the minutes at which the models ended. */
    static final int COLD_START = 6 * 60;
    static final int V1_AT = COLD_START;
    static final int REJECTED_AT = 30 * 60;
    static final int V2_AT = 48 * 60;
    /** Minutes of the anomalies, with their scores. */
    static final Map<Integer, Double> ANOMALIES = Map.of(
            9 * 60 + 12, 95.0,
            20 * 60 + 40, 2_480.0,
            33 * 60 + 5, 61.0,
            55 * 60 + 30, 4.2e7,
            66 * 60 + 3, 410.0);
    static final String[] HOSTS = {"db-1", "db-2", "web-3", HOSTILE_ENTITY};

    private SyntheticBacktest() {
    }

    static BacktestResult result() {
        return result(RECORDS);
    }

    /** {@code records} minutes of it (the anomalies and models stay at their minutes). */
    static BacktestResult result(int records) {
        SplittableRandom random = new SplittableRandom(42);
        List<Point> points = new ArrayList<>(records);
        long scored = 0;
        long anomalies = 0;
        Map<LocalDate, long[]> days = new TreeMap<>();
        Map<String, long[]> entities = new TreeMap<>();
        for (int i = 0; i < records; i++) {
            long t = START + i * MINUTE;
            String host = HOSTS[i % HOSTS.length];
            long[] day = days.computeIfAbsent(Instant.ofEpochMilli(t).atZone(ZoneOffset.UTC).toLocalDate(), d -> new long[4]);
            long[] entity = entities.computeIfAbsent(host, h -> new long[3]);
            day[0]++;
            entity[0]++;
            if (i < COLD_START) {
                points.add(new Point(t, Double.NaN, Double.NaN, false, 0));
                continue;
            }
            long version = i < V2_AT ? 1 : 2;
            double threshold = version == 1 ? 31.5 : 38.2;
            // A daily cycle on a slow upward drift, noise with a heavier upper tail, sometimes below zero.
            double drift = 6 + 4 * Math.sin(2 * Math.PI * i / (24 * 60)) + 5.0 * i / records;
            double noise = random.nextGaussian() * 3 + Math.max(0, random.nextGaussian()) * 4;
            double score = ANOMALIES.getOrDefault(i, drift + noise);
            boolean anomaly = score > threshold;
            scored++;
            if (anomaly) {
                anomalies++;
                day[1]++;
                entity[1]++;
            }
            points.add(new Point(t, score, threshold, anomaly, version));
        }
        List<AlertRow> alerts = List.of(
                alert("anomaly", 9 * 60 + 12, HOSTILE_ENTITY, 95.0, 31.5, "medium", "inc-1", List.of(
                        new Feature("cpu_user", 0.62, null), new Feature("mem_used", 0.21, null),
                        new Feature("disk</script>_io", 0.09, null))),
                alert("anomaly", 20 * 60 + 40, "db-2", 2_480.0, 31.5, "critical", "inc-2", List.of(
                        new Feature("net_out", 0.71, null),
                        new Feature("cpu~level", 0.18, "unusually high for db-2 at this hour"),
                        new Feature("net_in~flat", 0.06, "same values for 37 records in a row"))),
                alert("silent", 40 * 60, "web-3", Double.NaN, Double.NaN, null, null, List.of()));
        for (AlertRow alert : alerts) {
            days.get(Instant.ofEpochMilli(alert.eventTime()).atZone(ZoneOffset.UTC).toLocalDate())[2]++;
            entities.get(alert.entity())[2]++;
            if (alert.incidentId() != null) {
                days.get(Instant.ofEpochMilli(alert.eventTime()).atZone(ZoneOffset.UTC).toLocalDate())[3]++;
            }
        }
        List<ModelRow> models = List.of(
                new ModelRow(START + V1_AT * MINUTE, 1, "promoted", "first model (cold start)", 21.4),
                new ModelRow(START + REJECTED_AT * MINUTE, 0, "rejected",
                        "held-out -ELBO 3.2 nats worse than v1 (tolerance 1.0)", 19.8),
                new ModelRow(START + V2_AT * MINUTE, 2, "promoted", "held-out -ELBO 0.4 nats better than v1", 22.9));
        List<DayRow> dayRows = days.entrySet().stream()
                .map(e -> new DayRow(e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2], e.getValue()[3])).toList();
        List<EntityRow> entityRows = entities.entrySet().stream()
                .sorted((a, b) -> a.getValue()[2] != b.getValue()[2] ? Long.compare(b.getValue()[2], a.getValue()[2])
                        : Long.compare(b.getValue()[1], a.getValue()[1]))
                .map(e -> new EntityRow(e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2])).toList();
        return new BacktestResult("data/synthetic-3-days.jsonl", records + 12, scored, anomalies, Math.min(records, COLD_START),
                12, points, alerts, models, dayRows, entityRows);
    }

    private static AlertRow alert(String kind, int minute, String entity, double score, double threshold, String severity,
                                  String incident, List<Feature> features) {
        long t = START + minute * MINUTE;
        String json = "{\"kind\":\"" + kind + "\",\"entity\":\"" + entity.replace("\"", "\\\"") + "\",\"event_time\":" + t
                + (Double.isFinite(score) ? ",\"score\":" + score + ",\"threshold\":" + threshold : "")
                + (incident == null ? "" : ",\"incident_id\":\"" + incident + "\"") + "}";
        return new AlertRow(kind, t, entity, score, threshold, severity, incident, features, json);
    }
}
