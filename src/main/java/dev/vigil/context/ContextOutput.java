package dev.vigil.context;

/**
 * What the context processor forwards: an {@link EnrichedRecord} to the scorer, a {@link Silence}
 * record to the alerts topic. A closed set, so each child knows the one type it receives.
 */
public sealed interface ContextOutput permits EnrichedRecord, Silence {
}
