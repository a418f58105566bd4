/**
 * {@code vigil bench}: how fast Vigil runs on a real broker, next to the ceiling (a pass-through
 * Kafka Streams app on the same data) and to Random Cut Forest in Vigil's place; and how fast the
 * model alone scores and trains. Data comes from a seeded generator of correlated server metrics.
 */
package dev.vigil.bench;
