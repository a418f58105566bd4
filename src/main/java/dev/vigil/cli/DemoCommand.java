package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.config.VigilConfig;
import dev.vigil.demo.DemoRunner;
import dev.vigil.demo.OutcomeTally;
import dev.vigil.kafka.EmbeddedKafka;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vigil demo}: an embedded broker, synthetic traffic with injected anomalies and malformed
 * records, and the real service; a live status line on stderr and a summary on stdout.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run Vigil on an embedded Kafka broker with synthetic traffic and injected anomalies.")
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--duration", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to produce traffic (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--rate", defaultValue = "2000", description = "Records per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of the traffic (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides one configuration key (repeatable).")
    Map<String, String> sets = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        if (rate < 1 || rate > 1_000_000) {
            throw new ParameterException(spec.commandLine(), "--rate must be between 1 and 1000000, got " + rate);
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new ParameterException(spec.commandLine(), "--duration must be positive");
        }
        if (!format.equals("table") && !format.equals("json")) {
            throw new ParameterException(spec.commandLine(), "--format must be table or json, got " + format);
        }
        Path state = Files.createTempDirectory("vigil-demo-state");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null, 0, Map.of())) {
            Map<String, String> overrides = new HashMap<>();
            overrides.put("kafka.bootstrap.servers", kafka.bootstrapServers());
            overrides.put("kafka.application.id", "vigil-demo");
            overrides.put(VigilConfig.STATE_DIR, state.toString());
            overrides.putAll(DemoRunner.DEMO_SETTINGS);
            overrides.putAll(sets);
            VigilConfig config = VigilConfig.load(null, System.getenv(), overrides);
            DemoRunner runner = new DemoRunner(config, new DemoRunner.Options(duration, rate, seed), System.err);
            Signals.onTerminate(runner::stop); // Ctrl-C: stop the traffic, drain, summarize, exit 0
            DemoRunner.Summary summary = runner.run();
            print(summary, spec.commandLine().getOut());
            return summary.missing() == 0 ? VigilCommand.EXIT_OK : VigilCommand.EXIT_FAILURE;
        } finally {
            deleteRecursively(state);
        }
    }

    private void print(DemoRunner.Summary s, PrintWriter out) throws Exception {
        if (format.equals("json")) {
            out.println(new ObjectMapper().writeValueAsString(s.flat()));
        } else {
            out.printf("Vigil demo summary (%.0f s)%n", s.seconds());
            out.printf("  records            %,10d%n", s.records());
            out.printf("    normal           %,10d%n", s.normal());
            out.printf("    anomaly          %,10d   (records flagged; %,d alerts after folding into incidents)%n", s.anomaliesFlagged(), s.alerts());
            out.printf("    unscored         %,10d%n", s.unscored());
            out.printf("    dead letters     %,10d%n", s.deadLetters());
            out.printf("    missing          %,10d%n", s.missing());
            out.printf("  injected anomalies %,10d   caught %,d (%.1f%%)%n", s.injected(), s.injectedCaught(),
                    s.injected() == 0 ? 0.0 : 100.0 * s.injectedCaught() / s.injected());
            // The same kinds as the JSON's injected_<kind> and caught_<kind>; silent counts silent stretches, not records.
            s.caughtByKind().forEach((kind, c) -> out.printf("    %-18s %,6d/%,d%s%n", kind, c[0], c[1],
                    kind.equals(OutcomeTally.SILENT) ? "   (silent stretches of " + DemoRunner.SILENT_HOST + " caught/served)" : ""));
            out.printf("  silence alerts     %,10d   (resolved %,d)%n", s.silentAlerts(), s.silentResolved());
            long normals = s.normal() + s.anomaliesFlagged() - s.injected();
            out.printf("  false alarms       %,10d   (%.3f%% of normal records)%n", s.falseAlarms(),
                    normals <= 0 ? 0.0 : 100.0 * s.falseAlarms() / normals);
            s.falseAlarmRates().forEach((period, r) -> out.printf("    %-18s %9.3f%%   (%,.0f of %,.0f normal records)%n",
                    period.replace('_', ' '), r[1] == 0 ? 0.0 : 100 * r[0] / r[1], r[0], r[1]));
            out.printf("  model version      %10d   (models promoted: %d)%n", s.modelVersion(), s.modelsPromoted());
            for (JsonNode alert : s.exampleAlerts()) {
                out.printf("  alert %s entity=%s score=%.1f p=%.2g severity=%s top=%s%n", alert.path("alert_id").asText(),
                        alert.path("entity").asText(), alert.path("score").asDouble(), alert.path("p_value").asDouble(),
                        alert.path("severity").asText(), alert.path("top_features").findValuesAsText("name"));
            }
        }
        out.flush();
    }

    private static void deleteRecursively(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            // best effort: a temp dir
        }
    }
}
