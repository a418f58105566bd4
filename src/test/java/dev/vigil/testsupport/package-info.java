/**
 * Test support shared by every test: the one embedded Kafka broker per test JVM ({@link
 * dev.vigil.testsupport.KafkaBroker}), producing and reading records, polling waits, and a
 * self-signed TLS certificate for tests of secured listeners ({@link dev.vigil.testsupport.SelfSignedTls}).
 */
package dev.vigil.testsupport;
