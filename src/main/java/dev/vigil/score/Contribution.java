package dev.vigil.score;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One feature's part in a score: its reconstruction term as a share of the total score.
 *
 * @param name      feature name
 * @param value     the record's value (categorical: the category)
 * @param expected  what the model expected (numeric: decoder mean; categorical: most likely category)
 * @param share     the feature's term divided by the score
 * @param pValue    how unusual this feature's term is among normal records, or NaN when unknown
 * @param words     for a context feature, what its value means ("same values for 37 records in a row"); else null
 */
public record Contribution(String name, Object value, Object expected, double share, double pValue,
                           @JsonInclude(JsonInclude.Include.NON_NULL) String words) {

    public Contribution(String name, Object value, Object expected, double share, double pValue) {
        this(name, value, expected, share, pValue, null);
    }
}
