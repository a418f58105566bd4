package dev.vigil.backtest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's {@code chromium} headless on a local page: its DOM after the scripts ran, or a
 * screenshot. Each run gets a fresh profile directory, so runs do not share state or collide.
 */
final class HeadlessChromium {

    static final String BINARY = "chromium";
    /** Virtual time given to the page's scripts before the DOM is read: headless Chromium skips idle waits, so this is fast. */
    private static final int SCRIPT_BUDGET_MS = 5_000;
    private static final long TIMEOUT_SECONDS = 120;

    private HeadlessChromium() {
    }

    /**
     * The serialized DOM of {@code page} after its scripts ran. With {@code netLog} non-null, Chromium
     * writes its network log there (every request its network stack saw).
     */
    static String dumpDom(Path page, Path scratch, Path netLog) throws IOException, InterruptedException {
        List<String> command = base(scratch);
        if (netLog != null) {
            command.add("--log-net-log=" + netLog.toAbsolutePath());
        }
        command.add("--dump-dom");
        command.add(page.toUri().toString());
        return run(command, scratch);
    }

    /** A PNG of {@code page} as a {@code width} x {@code height} window shows it. */
    static void screenshot(Path page, Path png, int width, int height, Path scratch) throws IOException, InterruptedException {
        List<String> command = base(scratch);
        command.add("--hide-scrollbars");
        command.add("--window-size=" + width + "," + height);
        command.add("--screenshot=" + png.toAbsolutePath());
        command.add(page.toUri().toString());
        run(command, scratch);
        if (!Files.isRegularFile(png) || Files.size(png) == 0) {
            throw new IOException("chromium wrote no screenshot to " + png);
        }
    }

    private static List<String> base(Path scratch) {
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start. The --disable-* flags stop
        // Chromium's own background traffic (updates, sync), so the network log holds only what the page asked for.
        return new ArrayList<>(List.of(BINARY, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
                "--disable-extensions", "--user-data-dir=" + scratch.resolve("profile").toAbsolutePath(),
                "--virtual-time-budget=" + SCRIPT_BUDGET_MS));
    }

    private static String run(List<String> command, Path scratch) throws IOException, InterruptedException {
        Files.createDirectories(scratch);
        Path out = Files.createTempFile(scratch, "chromium", ".out");
        Path err = Files.createTempFile(scratch, "chromium", ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new IOException("chromium did not finish in " + TIMEOUT_SECONDS + " s: " + String.join(" ", command));
        }
        if (process.exitValue() != 0) {
            throw new IOException("chromium exited with " + process.exitValue() + ": " + String.join(" ", command) + "\n"
                    + Files.readString(err, StandardCharsets.UTF_8));
        }
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
