package dev.vigil.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.testsupport.RequiresTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report of {@link SyntheticBacktest} in a real browser (Debian's {@code chromium}, headless): its
 * DOM after the scripts ran, and Chromium's network log of the visit.
 *
 * <p>The network log also holds Chromium's own background requests (update checks and the like);
 * the page's requests are those whose network isolation key is the page's {@code file://} site. A
 * control page that does make requests proves that this filter sees them.
 */
@RequiresTools(value = HeadlessChromium.BINARY, install = "apt-get install chromium")
class BacktestReportBrowserTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static String dom;
    private static List<String> pageRequests;

    @BeforeAll
    static void openTheReport() throws IOException, InterruptedException {
        Path report = dir.resolve("report.html");
        BacktestReport.write(SyntheticBacktest.result(), report);
        Path netLog = dir.resolve("report-netlog.json");
        dom = HeadlessChromium.dumpDom(report, dir.resolve("report"), netLog);
        pageRequests = pageRequests(netLog);
    }

    @Test
    void shouldDrawTheChartWithUplot() {
        assertThat(dom).containsPattern("<div class=\"uplot[ \"]").contains("<canvas");
        // The legend's series and the axis label are drawn by the script, so they prove it ran to the end.
        assertThat(dom).contains("score (nats, arcsinh scale)", ">threshold<", ">anomaly<");
    }

    @Test
    void shouldListEveryAlertOnceInTheTableAndMarkItOnTheChart() {
        assertThat(count(dom, "<tr class=\"alert ")).isEqualTo(3);
        assertThat(count(dom, "<span class=\"vg-alert ")).isEqualTo(3);
        assertThat(dom).contains("unusually high for db-2 at this hour", "cpu~level");
    }

    @Test
    void shouldShowAnEntityNameThatIsMarkupAsTextAndInjectNothing() {
        String asText = SyntheticBacktest.HOSTILE_ENTITY.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");

        assertThat(dom).contains(">" + asText + "<");
        // As text the name shows its quotes, so look for the element, not the attribute.
        assertThat(dom).doesNotContain("<b id=\"injected\"", "data-pwned");
        // Only the page's own scripts: the data, uPlot and the report's.
        assertThat(count(dom, "<script")).isEqualTo(3);
    }

    @Test
    void shouldMarkTheModelsAndTheRejectedRunOnTheTimeAxis() {
        assertThat(dom).contains("class=\"vg-model-label\"", ">v1<", ">v2<");
        assertThat(count(dom, "class=\"vg-model-label")).isEqualTo(2);
        assertThat(count(dom, "class=\"vg-run vg-run-rejected\"")).isEqualTo(1);
        assertThat(dom).containsPattern("class=\"vg-run vg-run-rejected\" title=\"[^\"]*rejected: held-out -ELBO 3.2 nats worse");
    }

    @Test
    void shouldMakeNoNetworkRequest() throws IOException, InterruptedException {
        Path control = dir.resolve("control.html");
        Files.writeString(control, "<!DOCTYPE html><html><body><img src=\"http://vigil-report-test.invalid/x.png\">"
                + "<script>fetch('https://vigil-report-test.invalid/y').catch(() => {})</script></body></html>");
        Path controlLog = dir.resolve("control-netlog.json");
        HeadlessChromium.dumpDom(control, dir.resolve("control"), controlLog);

        assertThat(pageRequests(controlLog)).as("the requests of a page that makes some")
                .contains("http://vigil-report-test.invalid/x.png", "https://vigil-report-test.invalid/y");
        assertThat(pageRequests).as("the report's requests").isEmpty();
    }

    /** URLs of the requests made for a {@code file://} page, from a Chromium network log. */
    private static List<String> pageRequests(Path netLog) throws IOException {
        JsonNode log = JSON.readTree(netLog.toFile());
        int startJob = log.path("constants").path("logEventTypes").path("URL_REQUEST_START_JOB").asInt(-1);
        assertThat(startJob).as("URL_REQUEST_START_JOB in the network log's constants").isNotNegative();
        List<String> urls = new ArrayList<>();
        for (JsonNode event : log.path("events")) {
            JsonNode params = event.path("params");
            if (event.path("type").asInt() == startJob && params.path("network_isolation_key").asText().startsWith("file://")) {
                urls.add(params.path("url").asText());
            }
        }
        return urls;
    }

    private static int count(String text, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
