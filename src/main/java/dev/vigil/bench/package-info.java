/**
 * {@code vigil bench}: how fast Vigil runs on a real broker, next to the ceiling (a pass-through
 * Kafka Streams app on the same data) and to Random Cut Forest in Vigil's place; how late its
 * outputs come at a given rate, next to the pass-through's, and where those milliseconds go; how fast the
 * model alone scores and trains; and what the parse stage costs for flat records and for nested
 * ones read through JSON Pointers. Data comes from seeded generators (correlated server metrics,
 * Telegraf-shaped CPU records).
 */
package dev.vigil.bench;
