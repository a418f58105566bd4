/** Ingest: the feature spec, JSON parsing and validation, dead letters, feature extraction. */
package dev.vigil.ingest;
