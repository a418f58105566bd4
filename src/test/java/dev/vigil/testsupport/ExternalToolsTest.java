package dev.vigil.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExternalToolsTest {

    @Test
    void shouldFindAProgramOnThePathAndNotAMissingOne() {
        assertThat(ExternalTools.onPath("sh")).hasValueSatisfying(path -> assertThat(path).endsWith("/sh"));
        assertThat(ExternalTools.onPath("vigil-no-such-tool-" + System.nanoTime())).isEmpty();
    }
}
