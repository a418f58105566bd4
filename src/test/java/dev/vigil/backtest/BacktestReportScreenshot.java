package dev.vigil.backtest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A PNG of a backtest report, for the docs. Not a test; needs {@code chromium} on the PATH. After
 * {@code mvn -o -q -DskipTests package}:
 * <pre>
 * java -cp target/test-classes:target/classes:target/lib/* dev.vigil.backtest.BacktestReportScreenshot \
 *     [REPORT.html OUT.png [WIDTHxHEIGHT]]
 * </pre>
 * With no arguments it writes the report of {@link SyntheticBacktest} to
 * {@code target/backtest-report-synthetic.html} and its screenshot to
 * {@code docs/backtest-report-synthetic.png}; with them, it shoots the given report (e.g. one
 * {@code vigil backtest} wrote). The window is 1400 x 1000 unless given.
 */
public final class BacktestReportScreenshot {

    private BacktestReportScreenshot() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 || args.length > 3) {
            System.err.println("usage: BacktestReportScreenshot [REPORT.html OUT.png [WIDTHxHEIGHT]]");
            System.exit(2);
        }
        Path report;
        Path png;
        if (args.length == 0) {
            report = Path.of("target", "backtest-report-synthetic.html");
            png = Path.of("docs", "backtest-report-synthetic.png");
            Files.createDirectories(report.getParent());
            BacktestReport.write(SyntheticBacktest.result(), report);
        } else {
            report = Path.of(args[0]);
            png = Path.of(args[1]);
        }
        String[] size = (args.length == 3 ? args[2] : "1400x1000").split("x");
        Path scratch = Files.createTempDirectory("vigil-screenshot");
        try {
            HeadlessChromium.screenshot(report, png, Integer.parseInt(size[0]), Integer.parseInt(size[1]), scratch);
        } finally {
            // Chromium's profile: a few MB not worth keeping.
            try (Stream<Path> files = Files.walk(scratch)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        System.out.println("wrote " + png + " from " + report);
    }
}
