package dev.vigil.model;

/** The scores of a batch of records, in input order. */
public final class ScoreBatch {

    private final RecordScore[] scores;

    ScoreBatch(RecordScore[] scores) {
        this.scores = scores;
    }

    public int size() {
        return scores.length;
    }

    public RecordScore get(int i) {
        return scores[i];
    }

    /** Shorthand for {@code get(i).score()}. */
    public double score(int i) {
        return scores[i].score();
    }
}
