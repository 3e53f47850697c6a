package io.forkyard.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.k8s.AppSources.App;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The rules read the apps' sources right: keys with their defaults, Dockerfiles, topic names. */
class AppSourcesTest {

    @Test
    void theWorkersKeysComeWithTheirDefaults() {
        assertThat(App.WORKER.settings())
                .containsEntry("forkyard.worker.shutdown-grace", "PT30S")
                .containsEntry("forkyard.worker.pool.child-heap", "128m")
                .containsEntry("forkyard.worker.exec.allow-options", "false")
                .containsEntry("quarkus.shutdown.timeout", "60S")
                .containsKey("forkyard.worker.id")
                .doesNotContainKey("forkyard.worker.external-types");
    }

    @Test
    void theWebTiersKeysComeWithTheirDefaults() {
        assertThat(App.WEB.settings())
                .containsEntry("forkyard.web.events.topic-retention", "PT1H")
                .containsEntry("forkyard.web.dispatcher.topic-partitions", "1")
                .containsEntry("forkyard.web.auth.secure-cookies", "false")
                .containsKey("kafka.bootstrap.servers")
                .doesNotContainKey("forkyard.worker.queues");
    }

    @Test
    void theWebTiersPathsAreItsResourceRootsAndStaticFiles() {
        assertThat(AppSources.webRoots())
                .contains("/", "/api", "/jobs", "/submit", "/dashboard", "/problems", "/static")
                .allMatch(p -> p.equals("/") || p.matches("/[a-z-]+"));
    }

    @Test
    void anEnvironmentVariableNameIsTheKeyInCapitalsWithUnderscores() {
        assertThat(AppSources.envName("forkyard.worker.pool.child-heap")).isEqualTo("FORKYARD_WORKER_POOL_CHILD_HEAP");
        assertThat(AppSources.envName("quarkus.datasource.jdbc.max-size"))
                .isEqualTo("QUARKUS_DATASOURCE_JDBC_MAX_SIZE");
    }

    @Test
    void durationsAreReadAsQuarkusReadsThem() {
        assertThat(AppSources.duration("60S")).isEqualTo(Duration.ofSeconds(60));
        assertThat(AppSources.duration("PT30S")).isEqualTo(Duration.ofSeconds(30));
        assertThat(AppSources.duration("15")).isEqualTo(Duration.ofSeconds(15));
        assertThat(AppSources.duration("500ms")).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void theDockerfilesNameTheirImageUserAndPort() {
        assertThat(App.WEB.dockerfile())
                .extracting(
                        AppSources.Dockerfile::imageName,
                        AppSources.Dockerfile::user,
                        AppSources.Dockerfile::exposedPort)
                .containsExactly("forkyard-web", "185", 8080);
        assertThat(App.WORKER.dockerfile())
                .extracting(
                        AppSources.Dockerfile::imageName,
                        AppSources.Dockerfile::user,
                        AppSources.Dockerfile::exposedPort)
                .containsExactly("forkyard-worker", "185", 8081);
    }

    @Test
    void topicNamesAndJobColumnsAreTheCodes() {
        assertThat(AppSources.topicSuffix("queue")).isEqualTo("jobs.");
        assertThat(AppSources.topicSuffix("deadLetters")).isEqualTo("jobs.dead-letters");
        assertThat(AppSources.topicSuffix("events")).isEqualTo("events");
        assertThat(AppSources.columns("job")).contains("status", "queue", "run_at", "result_bytes");
    }
}
