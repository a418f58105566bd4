package dev.vigil.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import dev.vigil.testsupport.ExternalTools;
import dev.vigil.testsupport.RequiresTools;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/compose/docker-compose.yml against the docker-compose users have (Debian's
 * {@code docker-compose} 1.29; run {@code .ci/install-deploy-tools.sh} first). {@code config}
 * validates the file against compose's schema and resolves it without a Docker engine.
 */
@RequiresTools(value = "docker-compose", install = "apt-get install docker-compose")
class ComposeConfigIT {

    private static final Path COMPOSE_FILE = Path.of("deploy", "compose", "docker-compose.yml");

    @TempDir
    Path work;

    @Test
    void dockerComposeShouldAcceptTheComposeFile() throws Exception {
        String binary = ExternalTools.onPath("docker-compose").orElseThrow();
        Path stderr = work.resolve("stderr.log");
        Process process = new ProcessBuilder(binary, "-f", COMPOSE_FILE.toString(), "config", "-q")
                .redirectOutput(work.resolve("stdout.log").toFile())
                .redirectError(stderr.toFile())
                .start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("docker-compose config did not finish in 60 s");
        }

        assertThat(process.exitValue()).as("docker-compose config -q exit code; stderr:%n%s", Files.readString(stderr))
                .isZero();
    }
}
