package io.forkyard.web.event;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.endsWith;

import io.forkyard.auth.ApiKeys;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.testing.SseClient;
import io.forkyard.web.auth.AuthOn;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.URL;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The event streams with authentication on: each needs a key, and a tenant's streams never carry
 * another tenant's job (its stream is a 404, its events never show in the tenant's stream).
 */
@QuarkusTest
@TestProfile(AuthOn.class)
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class EventsAuthTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TestHTTPResource("/api")
    URL api;

    @Test
    void withoutAKeyBothStreamsAre401() {
        for (String path : new String[] {"/api/events", "/api/jobs/" + UUID.randomUUID() + "/events"}) {
            given().when()
                    .get(path)
                    .then()
                    .statusCode(401)
                    .contentType("application/problem+json")
                    .body("type", endsWith("/unauthorized"));
        }
    }

    @Test
    void aTenantsStreamsNeverCarryAnotherTenantsJob() throws Exception {
        String a = key("a-" + UUID.randomUUID());
        String b = key("b-" + UUID.randomUUID());
        try (SseClient streamA = open("/events", a);
                SseClient streamB = open("/events", b)) {
            // A's reader is on the topic once a job of A's shows in A's stream.
            String jobA = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (jobA == null && System.nanoTime() < deadline) {
                String probe = submit(a);
                try {
                    while (jobA == null) {
                        if (streamA.next(Duration.ofSeconds(2)).id().equals(probe + ":1")) {
                            jobA = probe;
                        }
                    }
                } catch (AssertionError notYet) {
                    // the reader was not on the topic yet
                }
            }
            assertThat(jobA).as("A's stream carried A's job").isNotNull();

            // B's job comes after every job of A's on the topic: B's first event must be it.
            String jobB = submit(b);
            assertThat(streamB.next(WAIT).id()).isEqualTo(jobB + ":1");

            try (SseClient own = open("/jobs/" + jobA + "/events", a)) {
                assertThat(own.status()).isEqualTo(200);
                assertThat(own.next(WAIT).id()).isEqualTo("1");
            }
            given().header("Authorization", "Bearer " + b)
                    .when()
                    .get("/api/jobs/" + jobA + "/events")
                    .then()
                    .statusCode(404)
                    .body("type", endsWith("/job-not-found"));
        }
    }

    private SseClient open(String path, String key) throws Exception {
        return SseClient.open(URI.create(api + path), null, Map.of("Authorization", "Bearer " + key));
    }

    private static String submit(String key) {
        return given().header("Authorization", "Bearer " + key)
                .contentType("application/json")
                .body("{\"type\":\"noop\",\"input\":{},\"runAt\":\"2999-01-01T00:00:00Z\"}")
                .when()
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
    }

    private static String key(String tenant) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect()) {
            return ApiKeys.create(c, tenant, "events test");
        }
    }
}
