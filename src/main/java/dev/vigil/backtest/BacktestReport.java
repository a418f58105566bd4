package dev.vigil.backtest;

import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.vigil.backtest.BacktestResult.AlertRow;
import dev.vigil.backtest.BacktestResult.DayRow;
import dev.vigil.backtest.BacktestResult.EntityRow;
import dev.vigil.backtest.BacktestResult.Feature;
import dev.vigil.backtest.BacktestResult.ModelRow;
import dev.vigil.backtest.BacktestResult.Point;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes a {@link BacktestResult} as one self-contained HTML page: a summary, the chart of score
 * against threshold over event time with the alerts and the models on it, and the tables of alerts,
 * models, days and entities. The page opens from disk, offline, and can be mailed or attached to an
 * issue as it is.
 *
 * <p>The chart is drawn in the browser by <a href="https://github.com/leeoniya/uPlot">uPlot</a> 1.6.32
 * (MIT): one ~50 KB file, no dependencies, actively maintained, drawing on a canvas fast enough for
 * the {@link PlotPoints#MAX_POINTS} points embedded here, with zoom and a live legend for free. Its
 * minified build, its CSS and its licence are classpath resources next to this class and are inlined
 * into every page, so there is no build step, no CDN and no request at view time; a Content-Security-Policy
 * in the page forbids any. Server-side SVG would need no script at all but would have to draw 20,000
 * points as markup with no zoom or hover, and re-implement axes and ticks. The page's own drawing
 * (model lines, alert marks, the arcsinh axis of {@link ScoreAxis}) is {@code report.js} next to it.
 * To move to another uPlot: {@code npm pack uplot@VERSION}, copy {@code dist/uPlot.iife.min.js},
 * {@code dist/uPlot.min.css} and {@code LICENSE} (as {@code uPlot.LICENSE}) over these, and set
 * {@code UPLOT_VERSION}.
 *
 * <p>Everything that comes from data (entities, features, words, alert JSON, the source) is
 * HTML-escaped in the tables, and embedded for the chart as JSON in a {@code <script
 * type="application/json">} block whose {@code <}, {@code >} and {@code &} are written as JSON
 * unicode escapes, so no value can end the block. NaN and infinite numbers are written as
 * {@code null}. The tables are markup written here, readable without script.
 */
public final class BacktestReport {

    /** At most this many alerts are listed and marked on the chart: the first ones, in event time. */
    static final int MAX_ALERTS = 2_000;

    private static final String UPLOT_VERSION = "1.6.32";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    /** Significant digits of the numbers embedded for the chart: more than a pixel can show, a third of the bytes of full doubles. */
    private static final MathContext DIGITS = new MathContext(6);
    private static final Set<String> SEVERITIES = Set.of("none", "low", "medium", "high", "critical");
    private static final Set<String> ALERT_KINDS = Set.of("anomaly", "silent", "resolved");
    private static final Set<String> RUN_RESULTS = Set.of("promoted", "rejected", "failed", "given", "drift");
    /** Results after which the published version scores the records that follow. */
    private static final Set<String> IN_EFFECT = Set.of("promoted", "given", "drift");
    private static final ObjectMapper JSON = JsonMapper.builder(new JsonFactoryBuilder().characterEscapes(new HtmlSafeEscapes()).build())
            .build();
    private static final ObjectMapper PRETTY = new ObjectMapper();

    private BacktestReport() {
    }

    /** Writes the report of {@code result} to {@code file} (UTF-8), replacing it. */
    public static void write(BacktestResult result, Path file) throws IOException {
        Files.writeString(file, html(result), StandardCharsets.UTF_8);
    }

    /** The report of {@code result}: one HTML document with its script, styles and data inline. */
    public static String html(BacktestResult result) {
        PlotPoints plot = PlotPoints.of(result.points());
        ScoreAxis axis = ScoreAxis.of(plot.points());
        List<AlertRow> alerts = result.alerts().subList(0, Math.min(MAX_ALERTS, result.alerts().size()));
        StringBuilder html = new StringBuilder(64 * 1024 + plot.points().size() * 48);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                // The page is meant to be opened offline; this makes the browser refuse any request it might try.
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; ")
                .append("style-src 'unsafe-inline'; img-src data:\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Vigil backtest: ").append(escape(result.source())).append("</title>\n")
                .append("<style>\n").append(Assets.UPLOT_CSS).append("\n</style>\n")
                .append("<style>\n").append(Assets.REPORT_CSS).append("\n</style>\n")
                .append("</head>\n<body>\n");
        header(html, result);
        chart(html, result, plot, axis);
        alertTable(html, result, alerts);
        modelTable(html, result.models());
        html.append("<div class=\"columns\">\n");
        dayTable(html, result.days());
        entityTable(html, result.topEntities());
        html.append("</div>\n<footer>Written by <code>vigil backtest</code>. Chart drawn by uPlot ").append(UPLOT_VERSION)
                .append(" (MIT licence), embedded in this page.</footer>\n")
                .append("<script type=\"application/json\" id=\"report-data\">").append(chartJson(plot, axis, alerts, result.models()))
                .append("</script>\n")
                .append("<script>\n").append(Assets.UPLOT_JS).append("\n</script>\n")
                .append("<script>\n").append(Assets.REPORT_JS).append("\n</script>\n")
                .append("</body>\n</html>\n");
        return html.toString();
    }

    private static void header(StringBuilder html, BacktestResult result) {
        html.append("<header>\n<h1>Backtest of <code>").append(escape(result.source())).append("</code></h1>\n");
        List<Point> points = result.points();
        if (!points.isEmpty()) {
            html.append("<p class=\"span\">Event time ").append(time(points.get(0).eventTime())).append(" to ")
                    .append(time(points.get(points.size() - 1).eventTime())).append(" UTC</p>\n");
        }
        long promoted = result.models().stream().filter(BacktestReport::tookEffect).count();
        html.append("<dl id=\"summary\">\n");
        card(html, "records", count(result.records()), "replayed");
        card(html, "scored", count(result.scored()), share(result.scored(), result.records()) + " of records");
        card(html, "anomalies", count(result.anomalies()), share(result.anomalies(), result.scored()) + " of scored");
        card(html, "unscored", count(result.unscored()), "before the first model");
        card(html, "dead letters", count(result.deadLetters()), "could not be parsed");
        card(html, "alerts", count(result.alerts().size()), "on the alerts topic");
        card(html, "models", count(promoted), plural(result.models().size() - promoted, "run") + " not promoted");
        html.append("</dl>\n</header>\n");
    }

    private static void card(StringBuilder html, String name, String value, String note) {
        html.append("<div class=\"card\"><dt>").append(escape(name)).append("</dt><dd>").append(value)
                .append("</dd><dd class=\"note\">").append(escape(note)).append("</dd></div>\n");
    }

    private static void chart(StringBuilder html, BacktestResult result, PlotPoints plot, ScoreAxis axis) {
        html.append("<section id=\"chart-section\">\n<h2>Score and threshold over event time</h2>\n");
        if (plot.points().isEmpty()) {
            html.append("<p class=\"note\">No record was replayed: nothing to draw.</p>\n</section>\n");
            return;
        }
        html.append("<div id=\"chart\"></div>\n<p class=\"key\">")
                .append("<span class=\"k-line k-score\"></span>score (-ELBO, nats)")
                .append("<span class=\"k-line k-threshold\"></span>threshold")
                .append("<span class=\"k-sym k-anomaly\">&#9679;</span>anomaly")
                .append("<span class=\"k-sym k-alert\">&#9660;</span>alert, ringed on its record (grey: silence, green: resolved)")
                .append("<span class=\"k-sym k-model\">vN</span>model took effect")
                .append("<span class=\"k-sym k-drift\">vN</span>calibration update")
                .append("<span class=\"k-sym k-run\">&#10005;</span>run not promoted</p>\n<p class=\"note\" id=\"chart-note\">");
        if (plot.reduced()) {
            html.append("Drawn: ").append(count(plot.points().size())).append(" of ").append(count(plot.input()))
                    .append(" records (a report embeds at most ").append(count(PlotPoints.MAX_POINTS))
                    .append("): the highest score in each of ").append(count(plot.buckets()))
                    .append(" equal spans of event time, and ");
            if (plot.anomaliesKept() == plot.anomalies()) {
                html.append("every anomaly (").append(count(plot.anomalies())).append("). ");
            } else {
                html.append(count(plot.anomaliesKept())).append(" of the ").append(count(plot.anomalies()))
                        .append(" anomalies, the highest of each span. ");
            }
        }
        html.append("The y axis is arcsinh: linear within &plusmn;").append(number(axis.linear()))
                .append(", logarithmic beyond. ");
        if (axis.clipped()) {
            html.append("Scores beyond &plusmn;").append(number(axis.ceiling()))
                    .append(" are drawn on the edge (&#9650;); the legend, the tooltips and the tables give their values. ");
        }
        html.append("Drag across the chart to zoom in on a span of time, double-click to zoom out.</p>\n</section>\n");
    }

    private static void alertTable(StringBuilder html, BacktestResult result, List<AlertRow> alerts) {
        html.append("<section id=\"alerts-section\">\n<h2>Alerts (").append(count(result.alerts().size())).append(")</h2>\n");
        if (alerts.size() < result.alerts().size()) {
            html.append("<p class=\"note\">The first ").append(count(alerts.size())).append(" are listed and marked on the chart.</p>\n");
        }
        if (alerts.isEmpty()) {
            html.append("<p class=\"note\">No alert was raised.</p>\n</section>\n");
            return;
        }
        html.append("<table class=\"data\" id=\"alerts\">\n<thead><tr><th>time (UTC)</th><th>kind</th><th>entity</th><th class=\"num\">score</th>")
                .append("<th class=\"num\">threshold</th><th>severity</th><th>top features (share of the score)</th>")
                .append("<th>incident and alert</th></tr></thead>\n<tbody>\n");
        for (int i = 0; i < alerts.size(); i++) {
            AlertRow alert = alerts.get(i);
            String kind = known(alert.kind(), ALERT_KINDS);
            html.append("<tr class=\"alert kind-").append(kind).append("\" id=\"alert-").append(i).append("\">")
                    .append("<td class=\"time\">").append(time(alert.eventTime())).append("</td>")
                    .append("<td>").append(escape(alert.kind())).append("</td>")
                    .append("<td class=\"entity\">").append(alert.entity() == null ? "" : escape(alert.entity())).append("</td>")
                    .append("<td class=\"num\">").append(number(alert.score())).append("</td>")
                    .append("<td class=\"num\">").append(number(alert.threshold())).append("</td>")
                    .append("<td>");
            if (alert.severity() != null) {
                html.append("<span class=\"sev sev-").append(known(alert.severity(), SEVERITIES)).append("\">")
                        .append(escape(alert.severity())).append("</span>");
            }
            html.append("</td><td>");
            features(html, alert.topFeatures());
            html.append("</td><td class=\"json\">");
            if (alert.incidentId() != null) {
                html.append("<code class=\"incident\">").append(escape(alert.incidentId())).append("</code>");
            }
            if (alert.json() != null) {
                html.append("<details><summary>JSON</summary><pre>").append(escape(pretty(alert.json())))
                        .append("</pre></details>");
            }
            html.append("</td></tr>\n");
        }
        html.append("</tbody>\n</table>\n</section>\n");
    }

    /** The features with a bar for each share; the item's tooltip repeats it all in text. */
    private static void features(StringBuilder html, List<Feature> features) {
        if (features == null || features.isEmpty()) {
            return;
        }
        html.append("<ul class=\"features\">");
        for (Feature feature : features) {
            String tip = feature.name() + ": " + percent(feature.share()) + " of the score"
                    + (feature.words() == null ? "" : " (" + feature.words() + ")");
            double width = Double.isFinite(feature.share()) ? Math.max(0, Math.min(1, feature.share())) * 100 : 0;
            html.append("<li title=\"").append(escape(tip)).append("\"><span class=\"bar\"><span style=\"width:")
                    .append(String.format(Locale.ROOT, "%.0f", width)).append("%\"></span></span><span class=\"name\">")
                    .append(escape(feature.name())).append("</span> <span class=\"share\">").append(percent(feature.share()))
                    .append("</span>");
            if (feature.words() != null) {
                html.append(" <span class=\"words\">").append(escape(feature.words())).append("</span>");
            }
            html.append("</li>");
        }
        html.append("</ul>");
    }

    private static void modelTable(StringBuilder html, List<ModelRow> models) {
        html.append("<section id=\"models-section\">\n<h2>Models and training runs</h2>\n");
        if (models.isEmpty()) {
            html.append("<p class=\"note\">No model took effect and no training run ended.</p>\n</section>\n");
            return;
        }
        html.append("<table class=\"data\" id=\"models\">\n<thead><tr><th>time (UTC)</th><th>model</th><th>result</th><th>reason</th>")
                .append("<th class=\"num\">run time</th></tr></thead>\n<tbody>\n");
        for (ModelRow model : models) {
            html.append("<tr class=\"run run-").append(known(model.result(), RUN_RESULTS)).append("\">")
                    .append("<td class=\"time\">").append(time(model.eventTime())).append("</td>")
                    .append("<td>").append(model.version() > 0 ? "v" + model.version() : "&ndash;").append("</td>")
                    .append("<td>").append(escape(model.result())).append("</td>")
                    .append("<td>").append(model.reason() == null ? "" : escape(model.reason())).append("</td>")
                    .append("<td class=\"num\">").append(Double.isFinite(model.seconds())
                            ? String.format(Locale.ROOT, "%.1f s", model.seconds()) : "&ndash;").append("</td></tr>\n");
        }
        html.append("</tbody>\n</table>\n</section>\n");
    }

    private static void dayTable(StringBuilder html, List<DayRow> days) {
        html.append("<section id=\"days-section\">\n<h2>Per day (UTC)</h2>\n<table class=\"data\" id=\"days\">\n<thead><tr><th>day</th>")
                .append("<th class=\"num\">records</th><th class=\"num\">anomalies</th><th class=\"num\">alerts</th>")
                .append("<th class=\"num\">incidents</th></tr></thead>\n<tbody>\n");
        for (DayRow day : days) {
            html.append("<tr><td class=\"time\">").append(day.day()).append("</td><td class=\"num\">").append(count(day.records()))
                    .append("</td><td class=\"num\">").append(count(day.anomalies())).append("</td><td class=\"num\">")
                    .append(count(day.alerts())).append("</td><td class=\"num\">").append(count(day.incidents()))
                    .append("</td></tr>\n");
        }
        html.append("</tbody>\n</table>\n</section>\n");
    }

    private static void entityTable(StringBuilder html, List<EntityRow> entities) {
        html.append("<section id=\"entities-section\">\n<h2>Top entities</h2>\n<table class=\"data\" id=\"entities\">\n<thead><tr>")
                .append("<th>entity</th><th class=\"num\">records</th><th class=\"num\">anomalies</th><th class=\"num\">alerts</th>")
                .append("</tr></thead>\n<tbody>\n");
        for (EntityRow entity : entities) {
            html.append("<tr><td class=\"entity\">").append(escape(entity.entity())).append("</td><td class=\"num\">")
                    .append(count(entity.records())).append("</td><td class=\"num\">").append(count(entity.anomalies()))
                    .append("</td><td class=\"num\">").append(count(entity.alerts())).append("</td></tr>\n");
        }
        html.append("</tbody>\n</table>\n</section>\n");
    }

    /** What the chart's script reads: columns of the drawn points, the axis, the alerts and the models. */
    static String chartJson(PlotPoints plot, ScoreAxis axis, List<AlertRow> alerts, List<ModelRow> models) {
        List<Point> points = plot.points();
        int n = points.size();
        long[] x = new long[n];
        Double[] score = new Double[n];
        Double[] threshold = new Double[n];
        int[] anomaly = new int[n];
        long[] model = new long[n];
        for (int i = 0; i < n; i++) {
            Point p = points.get(i);
            x[i] = p.eventTime();
            score[i] = finite(p.score());
            threshold[i] = finite(p.threshold());
            anomaly[i] = p.anomaly() ? 1 : 0;
            model[i] = p.modelVersion();
        }
        ChartData data = new ChartData(x, score, threshold, anomaly, model,
                new AxisData(axis.linear(), axis.min(), axis.max()),
                alerts.stream().map(a -> new AlertMark(a.eventTime(), a.kind(), a.entity(), finite(a.score()),
                        finite(a.threshold()), a.severity(), a.topFeatures() == null ? List.of() : a.topFeatures().stream()
                                .map(f -> new FeatureMark(f.name(), finite(f.share()), f.words())).toList())).toList(),
                models.stream().map(m -> new ModelMark(m.eventTime(), m.version(), m.result(), m.reason(), tookEffect(m)))
                        .toList());
        try {
            return JSON.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the chart's data", e);
        }
    }

    record ChartData(long[] x, Double[] score, Double[] threshold, int[] anomaly, long[] model, AxisData axis,
                     List<AlertMark> alerts, List<ModelMark> models) {
    }

    record AxisData(double linear, double min, double max) {
    }

    record AlertMark(long t, String kind, String entity, Double score, Double threshold, String severity,
                     List<FeatureMark> features) {
    }

    record FeatureMark(String name, Double share, String words) {
    }

    record ModelMark(long t, long version, String result, String reason, boolean tookEffect) {
    }

    /** Whether a run or publication changed what scored the records after it (and so draws a line). */
    private static boolean tookEffect(ModelRow model) {
        return model.version() > 0 && IN_EFFECT.contains(model.result());
    }

    /** {@code value} rounded for the page, or null when it is NaN or infinite (JSON has neither). */
    static Double finite(double value) {
        return Double.isFinite(value) ? new BigDecimal(value).round(DIGITS).doubleValue() : null;
    }

    /** Text for HTML content and attribute values. */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A score for people: four significant digits, with an exponent from a million up; a dash for NaN. */
    static String number(double value) {
        if (!Double.isFinite(value)) {
            return "&ndash;";
        }
        double abs = Math.abs(value);
        if (abs != 0 && (abs >= 1e6 || abs < 1e-3)) {
            return String.format(Locale.ROOT, "%.3g", value).replace("e+0", "e").replace("e+", "e").replace("e-0", "e-");
        }
        BigDecimal rounded = new BigDecimal(value).round(new MathContext(4)).stripTrailingZeros();
        // From 1,000 up four digits are all before the point: group them.
        return abs >= 1000 ? String.format(Locale.ROOT, "%,.0f", rounded) : rounded.toPlainString();
    }

    private static String percent(double share) {
        return Double.isFinite(share) ? String.format(Locale.ROOT, "%.0f%%", share * 100) : "&ndash;";
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String plural(long n, String noun) {
        return count(n) + " " + noun + (n == 1 ? "" : "s");
    }

    private static String share(long part, long whole) {
        return whole == 0 ? "&ndash;" : String.format(Locale.ROOT, "%.2f%%", 100.0 * part / whole);
    }

    private static String time(long epochMs) {
        return TIME.format(Instant.ofEpochMilli(epochMs));
    }

    /** {@code value} when it is one of {@code known} (safe in a class name), else {@code other}. */
    private static String known(String value, Set<String> known) {
        return value != null && known.contains(value) ? value : "other";
    }

    private static String pretty(String json) {
        try {
            return PRETTY.writerWithDefaultPrettyPrinter().writeValueAsString(PRETTY.readTree(json));
        } catch (JsonProcessingException e) {
            return json;
        }
    }

    /** Escapes {@code <}, {@code >} and {@code &} in JSON strings, so embedded JSON cannot close its script element. */
    private static final class HtmlSafeEscapes extends CharacterEscapes {
        private final int[] escapes;

        HtmlSafeEscapes() {
            escapes = CharacterEscapes.standardAsciiEscapesForJSON();
            escapes['<'] = CharacterEscapes.ESCAPE_STANDARD;
            escapes['>'] = CharacterEscapes.ESCAPE_STANDARD;
            escapes['&'] = CharacterEscapes.ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return escapes;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return null;
        }
    }

    /** The inlined script and styles, read once from the classpath. */
    private static final class Assets {
        static final String UPLOT_JS = "/*! uPlot " + UPLOT_VERSION + "\n" + resource("uPlot.LICENSE").replace("*/", "* /")
                + "\n*/\n" + inScript(resource("uPlot.iife.min.js"));
        static final String UPLOT_CSS = inStyle(resource("uPlot.min.css"));
        static final String REPORT_JS = inScript(resource("report.js"));
        static final String REPORT_CSS = inStyle(resource("report.css"));

        private static String resource(String name) {
            try (InputStream in = BacktestReport.class.getResourceAsStream(name)) {
                if (in == null) {
                    throw new IllegalStateException("resource " + name + " missing from the classpath next to "
                            + BacktestReport.class.getName());
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** {@code <\/script} means the same to JavaScript (in a string or a regex) and does not end the element. */
        private static String inScript(String js) {
            return Pattern.compile("</(script)", Pattern.CASE_INSENSITIVE).matcher(js).replaceAll("<\\\\/$1");
        }

        private static String inStyle(String css) {
            return Pattern.compile("</(style)", Pattern.CASE_INSENSITIVE).matcher(css).replaceAll("<\\\\/$1");
        }
    }
}
