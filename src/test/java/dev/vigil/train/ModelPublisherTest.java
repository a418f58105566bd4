package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.model.Bundles;
import dev.vigil.model.ModelBundle;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ModelPublisherTest {

    private final ModelBundle candidate = Bundles.random(Bundles.MIXED, 1L);

    @Test
    void shouldPublishAboveBothTheLastPublishedAndTheServedVersion() throws Exception {
        ModelPublisher publisher = new ModelPublisher(3, Integer.MAX_VALUE);

        assertThat(publisher.publish(candidate, null, 0).version()).isEqualTo(1);
        assertThat(publisher.publish(candidate, candidate.withVersion(9), 4).version()).isEqualTo(10);
        ModelPublisher.Publication p = publisher.publish(candidate, candidate.withVersion(2), 6);
        assertThat(p.version()).isEqualTo(7);
        assertThat(ModelBundle.fromBytes(p.bytes(), Bundles.MIXED).version()).isEqualTo(7);
    }

    @Test
    void shouldTombstoneTheVersionThatFallsOutOfTheKeptOnes() throws Exception {
        ModelPublisher publisher = new ModelPublisher(3, Integer.MAX_VALUE);

        assertThat(publisher.publish(candidate, null, 2).expired()).isEmpty();
        assertThat(publisher.publish(candidate, null, 3).expired()).isEqualTo(OptionalLong.of(1));
        assertThat(publisher.publish(candidate, null, 10).expired()).isEqualTo(OptionalLong.of(8));
    }

    @Test
    void shouldRefuseABundleLargerThanTheModelsTopicTakes() {
        int size = candidate.toBytes().length;

        assertThatThrownBy(() -> new ModelPublisher(3, size - 1).publish(candidate, null, 0))
                .isInstanceOf(ModelPublisher.TooLargeException.class)
                .hasMessageContaining("vigil.model.max.bytes = " + (size - 1));
    }
}
