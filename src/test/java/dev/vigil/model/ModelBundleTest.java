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
    void shouldScoreAFormatOneBundleExactlyAsTheVersionThatWroteIt() throws Exception {
        // Written by the format-1 code (per-record variance, Gaussian, no trimming), with the
        // scores it gave these rows: an upgrade must not change what a stored model says.
        ModelBundle legacy = legacyBundle("/bundles/format1-numeric3.vglm", 1);

        assertThat(legacy.config().decoderVariance()).isEqualTo(VaeConfig.DecoderVariance.PER_RECORD);
        assertThat(legacy.config().studentDof()).isInfinite();
        assertThat(legacy.config().trimMaxShare()).isZero();
        assertThat(legacy.config().asinhEncoderInput()).isFalse();
        assertThat(legacy.config().logVarCeiling()).isInfinite();
        assertScores(legacy, 3.4822434186935425, 4.393280982971191, 11.356867909431458);
        assertThat(ByteBuffer.wrap(legacy.toBytes(), 4, 4).getInt()).isEqualTo(ModelBundle.FORMAT_VERSION);
        assertThat(ModelBundle.fromBytes(legacy.toBytes(), null).config()).isEqualTo(legacy.config());
    }

    @Test
    void shouldScoreAFormatTwoBundleWithoutTheLogVarianceCeilingItWasTrainedWithout() throws Exception {
        // Written by the format-2 code (default config of that release, trained 5 epochs on a
        // noisy line), with the scores it gave these rows.
        ModelBundle legacy = legacyBundle("/bundles/format2-numeric3.vglm", 2);

        assertThat(legacy.config().logVarCeiling()).isInfinite();
        assertScores(legacy, 3.8812049999833107, 4.869155406951904, 9.799862623214722);
        assertThat(ModelBundle.fromBytes(legacy.toBytes(), null).config()).isEqualTo(legacy.config());
    }

    @Test
    void shouldScoreAFormatThreeBundleWithoutTheBoundOverTheFeaturesVariance() throws Exception {
        // Written by the format-3 code (default config of that release, trained 5 epochs on a
        // noisy line), with the scores it gave these rows.
        ModelBundle legacy = legacyBundle("/bundles/format3-numeric3.vglm", 3);

        assertThat(legacy.config().recordLogVarMargin()).isInfinite();
        assertThat(legacy.weights()).doesNotContainKey("num/logvar");
        assertScores(legacy, 3.7164495438337326, 4.50127238035202, 11.513957262039185);
        assertThat(ModelBundle.fromBytes(legacy.toBytes(), null).config()).isEqualTo(legacy.config());
    }

    /** A bundle an older release wrote (a test resource), checked to be of {@code format}. */
    private ModelBundle legacyBundle(String resource, int format) throws Exception {
        byte[] bytes = getClass().getResourceAsStream(resource).readAllBytes();
        assertThat(ByteBuffer.wrap(bytes, 4, 4).getInt()).as("format of %s", resource).isEqualTo(format);
        return ModelBundle.fromBytes(bytes, FeatureSpec.numeric(3));
    }

    /** The scores the release that wrote {@code legacy} gave three fixed rows. */
    private static void assertScores(ModelBundle legacy, double... expected) {
        try (VaeScorer scorer = VaeScorer.open(legacy)) {
            ScoreBatch scores = scorer.score(new double[][] {{0, 0, 0}, {1, 2, 0.5}, {3, -1, 2}});
            for (int i = 0; i < expected.length; i++) {
                assertThat(scores.score(i)).as("row %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }

    @Test
    void shouldRoundTripTheLikelihoodAndTrimmingSettings() {
        VaeConfig robust = VaeConfig.defaults(Bundles.MIXED).withDecoderVariance(VaeConfig.DecoderVariance.PER_FEATURE)
                .withStudentDof(4).withTrimMaxShare(0.2).withTrimFenceIqr(1.5).withAsinhEncoderInput(true).withLogVarCeiling(1.5)
                .withRecordLogVarMargin(0.7);
        ModelBundle original = Bundles.random(Bundles.MIXED, robust);

        ModelBundle copy = ModelBundle.fromBytes(original.toBytes(), Bundles.MIXED);

        assertThat(copy.config()).isEqualTo(robust);
        assertThat(copy.weights()).containsKey("num/logvar");
        assertThat(copy.toBytes()).isEqualTo(original.toBytes());
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
