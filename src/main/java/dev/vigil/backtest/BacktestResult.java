package dev.vigil.backtest;

import java.time.LocalDate;
import java.util.List;

/**
 * What a backtest saw: every record's outcome in event-time order, the alerts, the models and
 * the per-day and per-entity counts. {@link BacktestReport} draws it; the summary prints it.
 *
 * @param source      what was replayed (a file path or {@code topic:NAME})
 * @param records     input records replayed
 * @param scored      records scored (normal or anomaly)
 * @param anomalies   records scored above the threshold
 * @param unscored    records that arrived before the first model (cold start)
 * @param deadLetters records that could not be parsed
 * @param points      one per scored or unscored record, in event-time order
 * @param alerts      the alerts that paged: the alerts topic's open records (the first anomaly of each incident, and
 *                    silences; resolutions are left out), in order
 * @param models      each training run and each model that took effect, in event-time order
 * @param days        per UTC day of event time, in order
 * @param topEntities the entities with the most alerts (then anomalies), at most ten
 */
public record BacktestResult(String source, long records, long scored, long anomalies, long unscored, long deadLetters,
                             List<Point> points, List<AlertRow> alerts, List<ModelRow> models, List<DayRow> days,
                             List<EntityRow> topEntities) {

    /**
     * One record's outcome.
     *
     * @param eventTime    epoch ms
     * @param score        -ELBO, NaN when unscored
     * @param threshold    the calibrated threshold it was judged against, NaN when unscored
     * @param anomaly      whether it scored above the threshold
     * @param modelVersion the model that scored it, 0 when unscored
     */
    public record Point(long eventTime, double score, double threshold, boolean anomaly, long modelVersion) {
    }

    /**
     * One alert that paged (a record of the alerts topic with status open).
     *
     * @param kind        {@code anomaly}, or {@code silent} for an entity that went quiet
     * @param eventTime   epoch ms
     * @param entity      the entity, or null
     * @param score       the record's score (NaN for a silence)
     * @param threshold   the threshold (NaN for a silence)
     * @param severity    the severity label, or null
     * @param incidentId  the incident it opens or resolves, or null
     * @param topFeatures the features that contributed most, largest first (empty for a silence)
     * @param json        the alert as written to the alerts topic
     */
    public record AlertRow(String kind, long eventTime, String entity, double score, double threshold, String severity,
                           String incidentId, List<Feature> topFeatures, String json) {
    }

    /**
     * One feature's share of an alert's score.
     *
     * @param name  feature name (context features read {@code cpu~level} and the like)
     * @param share the feature's term as a share of the score
     * @param words what a context feature's value means, or null
     */
    public record Feature(String name, double share, String words) {
    }

    /**
     * One training run or one published model.
     *
     * @param eventTime epoch ms of event time at which it ended and, when promoted, took effect
     * @param version   the published version, 0 when the run was not promoted
     * @param result    {@code promoted}, {@code rejected}, {@code failed}, {@code given} (from {@code --model}) or
     *                  {@code drift} (a calibration update)
     * @param reason    the gate's words
     * @param seconds   how long the run took in real time
     */
    public record ModelRow(long eventTime, long version, String result, String reason, double seconds) {
    }

    /** Counts for one UTC day of event time. */
    public record DayRow(LocalDate day, long records, long anomalies, long alerts, long incidents) {
    }

    /** One entity's counts ({@code entity} is {@code "(none)"} for records without one). */
    public record EntityRow(String entity, long records, long anomalies, long alerts) {
    }
}
