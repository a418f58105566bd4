package dev.vigil.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code vigil run} in a child JVM on the test classpath, for tests that crash and restart the
 * service: the config is written to {@code NAME.properties} and the output (both streams) goes to
 * {@code NAME.log}, both in the given directory. The child is the {@code java} process itself, not
 * a shell around it, so {@link #kill()} is a SIGKILL of the JVM: no shutdown hook, no final commit,
 * no leave-group request.
 */
public final class VigilProcess implements AutoCloseable {

    private static final long DAY_NANOS = Duration.ofDays(1).toNanos();
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    private final String name;
    private final Process process;
    private final Path log;
    private final long startedNanos;
    private final LocalTime startedAt;

    private VigilProcess(String name, Process process, Path log, long startedNanos, LocalTime startedAt) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.startedNanos = startedNanos;
        this.startedAt = startedAt;
    }

    /** Writes {@code config} to {@code dir/NAME.properties} and starts {@code vigil run --config} on it. */
    public static VigilProcess start(Map<String, String> config, Path dir, String name) throws IOException {
        Path file = dir.resolve(name + ".properties");
        Properties properties = new Properties();
        properties.putAll(config);
        try (Writer w = Files.newBufferedWriter(file)) {
            properties.store(w, "vigil run " + name);
        }
        Path log = dir.resolve(name + ".log");
        LocalTime startedAt = LocalTime.now().truncatedTo(ChronoUnit.MILLIS); // as precise as the log's times
        long started = System.nanoTime();
        Process process = new ProcessBuilder(JAVA.toString(), "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "dev.vigil.cli.VigilCommand", "run", "--config", file.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new VigilProcess(name, process, log, started, startedAt);
    }

    public String name() {
        return name;
    }

    public Process process() {
        return process;
    }

    public Path log() {
        return log;
    }

    /** {@link System#nanoTime()} just before the process was started. */
    public long startedNanos() {
        return startedNanos;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The command the operating system runs as this process, when it says: the {@code java} binary. */
    public String command() {
        return process.info().command().orElse("unknown");
    }

    /** SIGKILL (on Linux {@link Process#destroyForcibly()} is exactly that) and waits until the process is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " (pid " + process.pid() + ") still runs 30 s after SIGKILL");
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited within {@code grace}. */
    public void stop(Duration grace) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
        }
    }

    /**
     * How long after the start the first log line containing {@code text} was written, read from the time of
     * day that starts each line of Vigil's log ({@code HH:mm:ss.SSS}, the same clock as this JVM's); empty if
     * no line has it yet.
     */
    public Optional<Duration> logged(String text) {
        try {
            if (!Files.exists(log)) {
                return Optional.empty();
            }
            try (Stream<String> lines = Files.lines(log)) {
                return lines.filter(l -> l.contains(text) && l.length() > 12).findFirst().flatMap(l -> {
                    try {
                        LocalTime at = LocalTime.parse(l.substring(0, 12));
                        // Modulo a day: a start just before midnight and a line just after it.
                        return Optional.of(Duration.ofNanos(Math.floorMod(Duration.between(startedAt, at).toNanos(), DAY_NANOS)));
                    } catch (DateTimeParseException e) {
                        return Optional.empty();
                    }
                });
            }
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** The last {@code lines} lines of the log, for a failure message. */
    public String tail(int lines) {
        try {
            if (!Files.exists(log)) {
                return "(no log)";
            }
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the process if it still runs: SIGTERM with 20 s to exit, then SIGKILL. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop(Duration.ofSeconds(20));
        }
    }
}
