package io.forkyard.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKafkaBrokerTest {

    @Test
    void brokerServesAfterStartAndSurvivesAKillAndRestartWithItsData(@TempDir Path dir) throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("kafka"))) {
            assertThat(broker.isAlive()).isTrue();
            assertThat(accepts(broker)).isTrue();
            String clusterId = Files.readString(broker.dataDir().resolve("cluster.id"));

            broker.kill();
            assertThat(broker.isAlive()).isFalse();
            assertThat(accepts(broker)).isFalse();

            broker.restart();
            assertThat(accepts(broker)).isTrue();
            assertThat(Files.readString(broker.dataDir().resolve("cluster.id"))).isEqualTo(clusterId);
        }
    }

    private static boolean accepts(LocalKafkaBroker broker) {
        String[] hostPort = broker.bootstrapServers().split(":");
        try (Socket ignored = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
