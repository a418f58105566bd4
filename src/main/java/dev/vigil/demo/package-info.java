/**
 * Synthetic traffic for {@code vigil demo}, the benchmarks and the tests: seeded host metrics with
 * injected anomalies and malformed records, each labelled with its truth in a Kafka header.
 */
package dev.vigil.demo;
