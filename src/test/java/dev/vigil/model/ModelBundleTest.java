package dev.vigil.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.ingest.FeatureSpec;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelBundleTest {

    private final ModelBundle bundle = Bundles.random(Bundles.MIXED, 3).withVersion(17).withCalibration(new byte[] {1, 2, 3});

    @Test
    void shouldRoundTripEverySectionThroughBytes() {
        ModelBundle copy = ModelBundle.fromBytes(bundle.toBytes(), Bundles.MIXED);

        assertThat(copy.spec()).isEqualTo(bundle.spec());
        assertThat(copy.config()).isEqualTo(bundle.config());
        assertThat(copy.normalization()).isEqualTo(bundle.normalization());
        assertThat(copy.weights()).isEqualTo(bundle.weights());
        assertThat(copy.training()).isEqualTo(bundle.training());
        assertThat(copy.version()).isEqualTo(17);
        assertThat(copy.calibration()).containsExactly(1, 2, 3);
        assertThat(copy.toBytes()).isEqualTo(bundle.toBytes());
        assertThat(copy.parameterCount()).isEqualTo(bundle.parameterCount()).isPositive();
        assertThat(copy.sizeBytes()).isEqualTo(bundle.toBytes().length);
    }

    @Test
    void shouldSaveAndLoadFromFile(@TempDir Path dir) {
        Path file = dir.resolve("model.vgl");
        bundle.save(file);

        assertThat(ModelBundle.load(file, Bundles.MIXED).toBytes()).isEqualTo(bundle.toBytes());
        assertThat(ModelBundle.load(file, null).version()).isEqualTo(17);
    }

    @Test
    void shouldRefuseBundleWithFlippedByte() {
        byte[] bytes = bundle.toBytes();
        for (int position : new int[] {20, bytes.length / 2, bytes.length - 10}) {
            byte[] corrupted = bytes.clone();
            corrupted[position] ^= 0x10;

            assertThatThrownBy(() -> ModelBundle.fromBytes(corrupted, Bundles.MIXED))
                    .isInstanceOf(ModelFormatException.class).hasMessageContaining("corrupted");
        }
    }

    @Test
    void shouldRefuseTruncatedBundle() {
        byte[] bytes = bundle.toBytes();

        assertThatThrownBy(() -> ModelBundle.fromBytes(Arrays.copyOf(bytes, bytes.length - 100), Bundles.MIXED))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> ModelBundle.fromBytes(Arrays.copyOf(bytes, 5), Bundles.MIXED))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("not a model bundle");
    }

    @Test
    void shouldRefuseNewerFormatVersion() {
        byte[] bytes = bundle.toBytes();
        ByteBuffer.wrap(bytes).putInt(4, ModelBundle.FORMAT_VERSION + 1);
        resealChecksum(bytes);

        assertThatThrownBy(() -> ModelBundle.fromBytes(bytes, Bundles.MIXED))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("format version " + (ModelBundle.FORMAT_VERSION + 1))
                .hasMessageContaining("newer");
    }

    @Test
    void shouldRefuseSomethingThatIsNotABundle() {
        assertThatThrownBy(() -> ModelBundle.fromBytes("{\"hello\": \"world\"}".getBytes(), null))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("not a Vigil model bundle");
    }

    @Test
    void shouldRefuseBundleOfAnotherFeatureSpec() {
        FeatureSpec other = FeatureSpec.numeric(4);

        assertThatThrownBy(() -> ModelBundle.fromBytes(bundle.toBytes(), other))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("another feature spec");
    }

    @Test
    void shouldNameTheFileWhenLoadingFails(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("broken.vgl");
        Files.write(file, new byte[] {1, 2, 3});

        assertThatThrownBy(() -> ModelBundle.load(file, null)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("broken.vgl");
        assertThatThrownBy(() -> ModelBundle.load(dir.resolve("absent.vgl"), null)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("not found");
    }

    @Test
    void shouldKeepCalibrationOpaqueAndCopied() {
        byte[] calibration = {9, 8, 7};
        ModelBundle withCalibration = bundle.withCalibration(calibration);
        calibration[0] = 0;

        assertThat(withCalibration.calibration()).containsExactly(9, 8, 7);
        assertThat(Bundles.random(Bundles.MIXED, 1).calibration()).isEmpty();
    }

    private static void resealChecksum(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
    }
}
