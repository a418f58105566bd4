/**
 * Test support shared by every test: the one embedded Kafka broker per test JVM ({@link
 * dev.vigil.testsupport.KafkaBroker}), producing and reading records, polling waits, a
 * self-signed TLS certificate for tests of secured listeners ({@link dev.vigil.testsupport.SelfSignedTls}),
 * and for the crash tests {@code vigil run} in a child JVM ({@link dev.vigil.testsupport.VigilProcess}) under
 * traffic at a fixed rate ({@link dev.vigil.testsupport.SteadyTraffic}).
 */
package dev.vigil.testsupport;
