package dev.vigil.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vigil's HTTP port: {@code /metrics} (Prometheus text format, or OpenMetrics when the scraper asks
 * for it), {@code /healthz}, {@code /readyz}, {@code /api/model} and an index page at {@code /}.
 *
 * <p>Built on the JDK's {@link HttpServer} with client_java's {@link MetricsHandler}, because the
 * library's own {@code HTTPServer} has no way to add handlers beside the metrics one. Every request
 * runs on a thread of its own with a deadline ({@link ExchangeExecutor}), so a slow scrape or a
 * client that never finishes its request does not hold up a health probe, and is cut at the
 * request timeout.
 */
public final class HttpEndpoints implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoints.class);
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String JSON = "application/json";
    private static final String INDEX = """
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>Vigil</title></head>
            <body>
            <h1>Vigil</h1>
            <p>Streaming anomaly detection on Kafka Streams.</p>
            <ul>
            <li><a href="metrics">/metrics</a> &ndash; Prometheus metrics</li>
            <li><a href="healthz">/healthz</a> &ndash; liveness</li>
            <li><a href="readyz">/readyz</a> &ndash; readiness, and why</li>
            <li><a href="api/model">/api/model</a> &ndash; the model in use, as JSON</li>
            </ul>
            </body>
            </html>
            """;

    private final HttpServer server;
    private final ExchangeExecutor executor;
    private final Supplier<Readiness> readiness;
    private final Supplier<?> model;
    private final ObjectMapper json = new ObjectMapper()
            .findAndRegisterModules()
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private HttpEndpoints(HttpServer server, ExchangeExecutor executor, Supplier<Readiness> readiness, Supplier<?> model) {
        this.server = server;
        this.executor = executor;
        this.readiness = readiness;
        this.model = model;
    }

    /**
     * Where and how to serve.
     *
     * @param bindAddress    host name or IP address to listen on ({@code vigil.http.bind.address}), or
     *                       null for every interface
     * @param port           the port ({@code vigil.http.port}); 0 picks a free one, see {@link #port()}
     * @param requestTimeout a request must be read and answered within this time, counted from its
     *                       first byte, or its connection is closed ({@code vigil.http.request.timeout.ms})
     */
    public record Settings(String bindAddress, int port, Duration requestTimeout) {

        /** Vigil's default request timeout. */
        public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

        public Settings {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
            }
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            if (requestTimeout.isNegative() || requestTimeout.isZero()) {
                throw new IllegalArgumentException("request timeout must be positive, got " + requestTimeout);
            }
        }

        /** Every interface, the given port, the default request timeout. */
        public static Settings onPort(int port) {
            return new Settings(null, port, DEFAULT_REQUEST_TIMEOUT);
        }
    }

    /**
     * Starts serving.
     *
     * @param settings  where to listen, and the request timeout
     * @param metrics   the metrics to serve
     * @param readiness asked on each {@code /readyz}
     * @param model     asked on each {@code /api/model}: an object Jackson can serialize, or null
     *                  when no model is loaded
     * @throws IOException when the address cannot be resolved or bound
     */
    public static HttpEndpoints start(Settings settings, VigilMetrics metrics, Supplier<Readiness> readiness, Supplier<?> model)
            throws IOException {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(readiness, "readiness");
        Objects.requireNonNull(model, "model");
        InetSocketAddress address = settings.bindAddress() == null
                ? new InetSocketAddress(settings.port())
                : new InetSocketAddress(settings.bindAddress(), settings.port());
        if (address.isUnresolved()) {
            throw new UnknownHostException("cannot resolve the bind address '" + settings.bindAddress() + "'");
        }
        HttpServer server = HttpServer.create(address, 0);
        ExchangeExecutor executor = new ExchangeExecutor(settings.requestTimeout());
        HttpEndpoints endpoints = new HttpEndpoints(server, executor, readiness, model);
        server.createContext("/metrics", new MetricsHandler(metrics.registry()));
        server.createContext("/healthz", endpoints.guarded(endpoints::healthz));
        server.createContext("/readyz", endpoints.guarded(endpoints::readyz));
        server.createContext("/api/model", endpoints.guarded(endpoints::model));
        server.createContext("/", endpoints.guarded(endpoints::index));
        server.setExecutor(executor);
        server.start();
        LOG.info("HTTP endpoints on {}: /metrics /healthz /readyz /api/model", server.getAddress());
        return endpoints;
    }

    /** The port actually bound. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops serving; exchanges in flight are cut. */
    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }

    private void healthz(HttpExchange exchange) throws IOException {
        // Alive as long as this JVM answers: a dead stream thread is readiness' business, and a
        // client that has failed makes the process exit, which the orchestrator sees anyway.
        send(exchange, 200, TEXT, "ok\n");
    }

    private void readyz(HttpExchange exchange) throws IOException {
        Readiness r;
        try {
            r = Objects.requireNonNull(readiness.get(), "readiness supplier returned null");
        } catch (RuntimeException e) {
            LOG.warn("Readiness check failed", e);
            r = Readiness.notReady("readiness check failed: " + e);
        }
        send(exchange, r.ready() ? 200 : 503, TEXT, r.body() + "\n");
    }

    private void model(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestURI().getPath().equals("/api/model")) {
            notFound(exchange);
            return;
        }
        Object current = model.get();
        if (current == null) {
            send(exchange, 404, JSON, json.writeValueAsString(Map.of(
                    "error", "no model loaded",
                    "detail", "cold start: records are labelled unscored until the first model is trained")));
            return;
        }
        send(exchange, 200, JSON, json.writerWithDefaultPrettyPrinter().writeValueAsString(current));
    }

    private void index(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestURI().getPath().equals("/")) {
            notFound(exchange);
            return;
        }
        send(exchange, 200, "text/html; charset=utf-8", INDEX);
    }

    private static void notFound(HttpExchange exchange) throws IOException {
        send(exchange, 404, TEXT, "not found: " + exchange.getRequestURI().getPath() + " (see /)\n");
    }

    /** GET and HEAD only; any failure becomes a 500 with the reason, and the exchange is always closed. */
    private HttpHandler guarded(HttpHandler handler) {
        return exchange -> {
            // Not try-with-resources: that would close the exchange before the catch could answer 500.
            try {
                String method = exchange.getRequestMethod();
                if (!method.equals("GET") && !method.equals("HEAD")) {
                    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                    send(exchange, 405, TEXT, "method not allowed: " + method + "\n");
                    return;
                }
                handler.handle(exchange);
            } catch (IOException | RuntimeException e) {
                LOG.warn("Error serving {}", exchange.getRequestURI(), e);
                try {
                    send(exchange, 500, TEXT, "internal error: " + e + "\n");
                } catch (IOException | RuntimeException ignored) {
                    // Headers were already sent; closing the exchange is all that is left.
                }
            } finally {
                exchange.close();
            }
        };
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
