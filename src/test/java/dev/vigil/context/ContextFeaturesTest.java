package dev.vigil.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.vigil.ingest.ContextSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.ingest.FeatureSpec.Feature;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ContextFeaturesTest {

    /** cpu (numeric), region (categorical: eu, us, ap); context on. */
    private static final FeatureSpec SPEC = new FeatureSpec("host", "ts",
            List.of(Feature.numeric("cpu"), Feature.categorical("region", List.of("eu", "us", "ap"))), ContextSettings.defaults());
    private static final int LEVEL = 2, CHANGED = 3, UNCHANGED = 4;

    private final ContextFeatures context = new ContextFeatures(SPEC);

    @Test
    void shouldAppendOneLevelPerNumericFeatureOneChangedPerCategoricalAndTheRunOfUnchangedRecords() {
        assertThat(SPEC.modelInput().names()).containsExactly("cpu", "region", "cpu~level", "region~changed", "record~unchanged");
        assertThat(context.width()).isEqualTo(5);
        double[] out = context.apply(context.newState(), new double[] {50, 0}, 0);
        assertThat(out).containsExactly(50, 0, 0, 0, 0);
    }

    @Test
    void shouldNotCallANewEntitysNormalRecordsFarOffTheirLevel() {
        // A spread estimated from a handful of values is often a fraction of the true one; a new
        // entity's first records must not be called many spreads off before its spread is known.
        Random random = new Random(11);
        int far = 0;
        for (int entity = 0; entity < 1_000; entity++) {
            EntityState state = context.newState();
            for (int i = 0; i < 40; i++) {
                double[] out = context.apply(state, new double[] {50 + random.nextGaussian(), 0}, i);
                far += Math.abs(out[LEVEL]) >= ContextFeatures.compress(8) ? 1 : 0;
            }
        }
        assertThat(far).as("records of 1,000 normal entities at least 8 spreads off their level").isZero();
    }

    @Test
    void shouldMeasureAJumpInTheEntitysOwnSpreadAndFollowALastingShift() {
        EntityState state = context.newState();
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            double[] out = context.apply(state, new double[] {50 + random.nextGaussian(), 0}, i);
            if (i >= ContextFeatures.WARM_UP) {
                assertThat(Math.abs(out[LEVEL])).as("level of a normal value").isLessThan(ContextFeatures.compress(5));
            }
        }
        double jump = context.apply(state, new double[] {80, 0}, 200)[LEVEL];
        // 30 spreads up, give or take the sampled spread.
        assertThat(ContextFeatures.spreads(jump)).isBetween(20.0, 45.0);
        // The jump updated the level by at most four spreads (winsorized): the next normal value is still normal.
        assertThat(Math.abs(context.apply(state, new double[] {50, 0}, 201)[LEVEL])).isLessThan(ContextFeatures.compress(5));
        // A lasting shift is followed within a few half-lives.
        double last = 0;
        for (int i = 0; i < 10 * ContextSettings.DEFAULT_HALF_LIFE; i++) {
            last = context.apply(state, new double[] {80 + random.nextGaussian(), 0}, 202 + i)[LEVEL];
        }
        assertThat(Math.abs(last)).isLessThan(ContextFeatures.compress(5));
    }

    @Test
    void shouldMeasureAConstantFeatureThatMovesInItsSmallestStepNotInABillionSpreads() {
        EntityState state = context.newState();
        for (int i = 0; i < 100; i++) {
            context.apply(state, new double[] {i % 50 == 0 ? 0.01 : 0, 0}, i);
        }
        double moved = context.apply(state, new double[] {0.01, 0}, 100)[LEVEL];
        assertThat(moved).isPositive().isLessThan(2.0);
        // A feature that never moved has no spread yet: level 0, not infinity.
        EntityState still = context.newState();
        for (int i = 0; i < 10; i++) {
            context.apply(still, new double[] {3, 0}, i);
        }
        // Its first move is measured once it has a step: here, the move itself.
        assertThat(context.apply(still, new double[] {4, 0}, 10)[LEVEL]).isZero();
        assertThat(context.apply(still, new double[] {4, 0}, 11)[LEVEL]).isFinite();
    }

    @Test
    void shouldFlagACategoryThatDiffersFromTheLastTwoButNotTheRecordThatFlipsBack() {
        EntityState state = context.newState();
        double[] eu = {50, 0};
        context.apply(state, eu, 0);
        context.apply(state, eu.clone(), 1);
        assertThat(context.apply(state, new double[] {51, 0}, 2)[CHANGED]).isZero();
        assertThat(context.apply(state, new double[] {52, 1}, 3)[CHANGED]).as("flip to us").isEqualTo(1);
        assertThat(context.apply(state, new double[] {53, 0}, 4)[CHANGED]).as("back to eu").isZero();
        // A lasting change is flagged once.
        assertThat(context.apply(state, new double[] {54, 2}, 5)[CHANGED]).isEqualTo(1);
        assertThat(context.apply(state, new double[] {55, 2}, 6)[CHANGED]).isZero();
    }

    @Test
    void shouldCountRecordsSentUnchangedInARow() {
        EntityState state = context.newState();
        context.apply(state, new double[] {50, 0}, 0);
        double[] stuck = {51, 1};
        assertThat(context.apply(state, stuck, 1)[UNCHANGED]).isZero();
        assertThat(context.apply(state, stuck, 2)[UNCHANGED]).isEqualTo(Math.log(2), within(1e-12));
        assertThat(context.apply(state, stuck, 3)[UNCHANGED]).isEqualTo(Math.log(3), within(1e-12));
        assertThat(context.apply(state, new double[] {51.1, 1}, 4)[UNCHANGED]).isZero();
    }

    @Test
    void shouldDeriveWithoutUpdatingForAReplayedRecord() {
        EntityState state = context.newState();
        for (int i = 0; i < 20; i++) {
            context.apply(state, new double[] {50 + i % 3, 0}, i);
        }
        byte[] before = state.toBytes();
        double[] derived = context.derive(state, new double[] {70, 1});
        assertThat(state.toBytes()).isEqualTo(before);
        assertThat(context.apply(state, new double[] {70, 1}, 20)).containsExactly(derived);
    }

    @Test
    void shouldNotMoveTheClockBackForARecordOlderInEventTime() {
        EntityState state = context.newState();
        for (int i = 0; i < 20; i++) {
            context.apply(state, new double[] {50, 0}, 1_000L * i);
        }
        assertThat(state.lastEventTime()).isEqualTo(19_000);
        assertThat(state.usualGapMillis()).isCloseTo(1_000, within(1e-6));
        context.apply(state, new double[] {50, 0}, 5_000);
        assertThat(state.lastEventTime()).as("a late record does not move the clock back").isEqualTo(19_000);
        assertThat(state.usualGapMillis()).as("nor count as a gap").isCloseTo(1_000, within(1e-6));
        assertThat(state.hasRhythm()).isTrue();
    }

    @Test
    void shouldNotCallAnEntityWithRandomGapsRegular() {
        // Geometric gaps (a host picked at random for each record): the log gap's typical deviation is about 1.
        Random random = new Random(11);
        int regularAfter = 0;
        for (int entity = 0; entity < 50; entity++) {
            EntityState state = context.newState();
            long t = 0;
            for (int i = 0; i < 200; i++) {
                t += 1_000L * (1 + (long) Math.floor(Math.log(random.nextDouble()) / Math.log(7.0 / 8)));
                context.apply(state, new double[] {50 + random.nextGaussian(), 0}, t);
                if (i >= 16 && state.hasRhythm()) {
                    regularAfter++;
                }
            }
        }
        assertThat(regularAfter).as("records at which a random-gap entity counted as regular").isZero();
    }

    @Test
    void shouldRoundTripTheStateThroughItsBytes() {
        EntityState state = context.newState();
        Random random = new Random(3);
        for (int i = 0; i < 30; i++) {
            context.apply(state, new double[] {random.nextGaussian(), random.nextInt(3)}, 10L * i);
        }
        state.applied(EntityState.sourceKey("in", 3), "in", 3, 7);
        state.applied(EntityState.sourceKey("in", 0), "in", 0, 41);
        EntityState copy = EntityState.fromBytes(state.toBytes());
        assertThat(copy.toBytes()).isEqualTo(state.toBytes()).hasSize(state.sizeBytes());
        assertThat(copy.appliedOffset(EntityState.sourceKey("in", 3))).isEqualTo(7);
        assertThat(copy.appliedOffset(EntityState.sourceKey("in", 1))).isEqualTo(-1);
        assertThat(copy.lastSourceId()).isEqualTo("in:0:41");
        double[] next = {0.5, 2};
        assertThat(context.derive(copy, next)).containsExactly(context.derive(state, next));
    }

    @Test
    void shouldCompressALevelBeyondFourSpreadsLogarithmicallyAndInvertIt() {
        assertThat(ContextFeatures.compress(3)).isEqualTo(3);
        assertThat(ContextFeatures.compress(-4)).isEqualTo(-4);
        assertThat(ContextFeatures.compress(30)).isCloseTo(4 * (1 + Math.log(7.5)), within(1e-12));
        assertThat(ContextFeatures.compress(1e6)).isLessThan(60);
        for (double z : new double[] {-1e6, -30, -2, 0, 0.5, 4, 4.5, 1e3}) {
            assertThat(ContextFeatures.spreads(ContextFeatures.compress(z))).isCloseTo(z, within(1e-9 * (1 + Math.abs(z))));
        }
    }

    @Test
    void shouldRefuseASpecWithoutContext() {
        assertThatThrownBy(() -> new ContextFeatures(SPEC.withContext(null))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldKeepOneStatePerEntityOffline() {
        ContextTracker tracker = new ContextTracker(SPEC);
        double[][] rows = {{50, 0}, {10, 1}, {50, 0}, {10, 1}};
        double[][] out = tracker.enrich(rows, new String[] {"a", "b", "a", "b"});
        assertThat(tracker.entities()).isEqualTo(2);
        // Each entity repeats its own record: a run of 2 per entity, though the rows alternate.
        assertThat(out[2][UNCHANGED]).isEqualTo(Math.log(2), within(1e-12));
        assertThat(out[3][UNCHANGED]).isEqualTo(Math.log(2), within(1e-12));
    }
}
