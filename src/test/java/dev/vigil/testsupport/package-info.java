/**
 * Test support shared by every test: the one embedded Kafka broker per test JVM ({@link
 * dev.vigil.testsupport.KafkaBroker}), producing and reading records, and polling waits.
 */
package dev.vigil.testsupport;
