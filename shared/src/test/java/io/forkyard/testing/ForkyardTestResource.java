package io.forkyard.testing;

import io.forkyard.broker.LocalKafkaBroker;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * What a {@code @QuarkusTest} of either app needs: a real Kafka broker (its own, in {@code
 * target/}), a database of its own on the local PostgreSQL, and topic names no other run uses.
 * Both are removed when the tests end.
 */
public class ForkyardTestResource implements QuarkusTestResourceLifecycleManager {

    private static volatile LocalKafkaBroker broker;
    private static volatile TestDatabase database;
    private static volatile String topicPrefix;

    @Override
    public Map<String, String> start() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        database = TestDatabase.create("test");
        broker = LocalKafkaBroker.start(Path.of("target", "kafka-" + run));
        topicPrefix = "t" + run + ".";
        return Map.of(
                "quarkus.datasource.jdbc.url", database.jdbcUrl(),
                "quarkus.datasource.username", database.user(),
                "kafka.bootstrap.servers", broker.bootstrapServers(),
                "forkyard.web.topic-prefix", topicPrefix,
                "forkyard.worker.topic-prefix", topicPrefix);
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
        if (database != null) {
            database.close();
        }
    }

    public static LocalKafkaBroker broker() {
        return broker;
    }

    public static TestDatabase database() {
        return database;
    }

    public static String topicPrefix() {
        return topicPrefix;
    }
}
