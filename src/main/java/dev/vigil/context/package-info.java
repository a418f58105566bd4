/**
 * Context: what one record alone cannot show. Per entity, a compact summary of its recent records
 * ({@link dev.vigil.context.EntityState}) from which {@link dev.vigil.context.ContextFeatures}
 * derives features appended to the model's input: distance from the entity's own recent level,
 * a categorical value that flipped, and how long the entity has sent the same record. In the
 * stream, {@link dev.vigil.context.ContextProcessor} keeps the summaries in a changelogged store
 * and pages when an entity with a rhythm goes silent; offline, {@link dev.vigil.context.ContextTracker}
 * keeps them in memory.
 */
package dev.vigil.context;
