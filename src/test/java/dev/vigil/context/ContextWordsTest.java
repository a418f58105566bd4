package dev.vigil.context;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ContextWordsTest {

    @Test
    void shouldSayWhatAContextFeaturesValueMeans() {
        assertThat(ContextWords.describe("record~unchanged", Math.log(37))).isEqualTo("same values for 37 records in a row");
        assertThat(ContextWords.describe("record~unchanged", 0)).isEqualTo("values changed since the last record");
        assertThat(ContextWords.describe("cpu~level", ContextFeatures.compress(31.2))).isEqualTo("cpu 31.2 spreads above its recent level");
        assertThat(ContextWords.describe("cpu~level", -ContextFeatures.compress(4))).isEqualTo("cpu 4.0 spreads below its recent level");
        assertThat(ContextWords.describe("region~changed", 1)).isEqualTo("region differs from its last two values");
    }

    @Test
    void shouldSayNothingOfARecordsOwnFeature() {
        assertThat(ContextWords.describe("cpu", 3)).isNull();
        assertThat(ContextWords.describe("record~unchanged", Double.NaN)).isNull();
    }
}
