package dev.vigil.score;

/**
 * One feature's part in a score: its reconstruction term as a share of the total score.
 *
 * @param name      feature name
 * @param value     the record's value (categorical: the category)
 * @param expected  what the model expected (numeric: decoder mean; categorical: most likely category)
 * @param share     the feature's term divided by the score
 * @param pValue    how unusual this feature's term is among normal records, or NaN when unknown
 */
public record Contribution(String name, Object value, Object expected, double share, double pValue) {
}
