# Vigil: build with Maven, run on a Temurin JRE (glibc, which TensorFlow Java's natives need).
#   docker build -t vigil .
#   docker run -p 9400:9400 -v vigil-state:/var/lib/vigil vigil run --config /etc/vigil/vigil.properties

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Dependencies first, so that a source change does not download the world again.
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -DskipTests package

FROM eclipse-temurin:17-jre-jammy
RUN groupadd --system --gid 10001 vigil \
 && useradd --system --uid 10001 --gid vigil --home-dir /var/lib/vigil --shell /usr/sbin/nologin vigil \
 && mkdir -p /opt/vigil /etc/vigil /var/lib/vigil \
 && chown vigil:vigil /var/lib/vigil
WORKDIR /opt/vigil
COPY --from=build /src/target/lib/ ./lib/
COPY --from=build /src/target/vigil.jar ./vigil.jar

# Kafka Streams state (window store, micro-batch buffer) lives here: keep it on a volume so a
# restart restores from local state instead of replaying changelogs.
ENV VIGIL_STATE_DIR=/var/lib/vigil \
    VIGIL_HTTP_PORT=9400 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -Dorg.bytedeco.javacpp.cachedir=/var/lib/vigil/javacpp"
VOLUME ["/var/lib/vigil"]
EXPOSE 9400
USER vigil:vigil
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/vigil/vigil.jar"]
CMD ["run", "--config", "/etc/vigil/vigil.properties"]
