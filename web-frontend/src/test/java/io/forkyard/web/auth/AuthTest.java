package io.forkyard.web.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;

import io.forkyard.auth.ApiKeys;
import io.forkyard.testing.ForkyardTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenants and access with authentication on, as deployed: every API call needs a key or a browser
 * session; a tenant sees and changes only its own jobs (another's is a plain 404, as if it did not
 * exist); a session's writes need its CSRF token; submissions are rate-limited per tenant. Each
 * test uses tenants of its own.
 */
@QuarkusTest
@TestProfile(AuthOn.class)
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class AuthTest {

    private static final String NOOP_LATER = "{\"type\":\"noop\",\"input\":{},\"runAt\":\"2999-01-01T00:00:00Z\"}";

    @Inject
    Sessions sessions;

    @Test
    void withoutAKeyOrWithAWrongOneEveryEndpointIs401AndNothingIsWritten() throws Exception {
        String tenant = tenant();
        String id = submit(key(tenant));
        long before = jobs();

        for (RequestSpecification anonymous : List.of(
                given(),
                given().header("Authorization", "Bearer fy_" + "x".repeat(43)),
                given().header("Authorization", "Basic abc"))) {
            for (Response r : List.of(
                    anonymous.contentType("application/json").body(NOOP_LATER).post("/api/jobs"),
                    anonymous
                            .contentType("application/json")
                            .body("[" + NOOP_LATER + "]")
                            .post("/api/jobs/batch"),
                    anonymous.get("/api/jobs"),
                    anonymous.get("/api/jobs/" + id),
                    anonymous.get("/api/jobs/" + id + "/result"),
                    anonymous.get("/api/jobs/" + id + "/attempts"),
                    anonymous.delete("/api/jobs/" + id),
                    anonymous.post("/api/jobs/" + id + "/retry"))) {
                r.then()
                        .statusCode(401)
                        .contentType("application/problem+json")
                        .header("WWW-Authenticate", startsWith("Bearer"))
                        .body("type", endsWith("/unauthorized"));
            }
        }
        assertThat(jobs()).isEqualTo(before);
        assertThat(status(id)).isEqualTo("QUEUED");
    }

    @Test
    void anotherTenantsJobIsNotFoundForEveryVerbAndStaysUntouched() throws Exception {
        String owner = key(tenant());
        String stranger = key(tenant());
        String id = submit(owner);

        for (Response r : List.of(
                as(stranger).get("/api/jobs/" + id),
                as(stranger).get("/api/jobs/" + id + "/result"),
                as(stranger).get("/api/jobs/" + id + "/attempts"),
                as(stranger).delete("/api/jobs/" + id),
                as(stranger).post("/api/jobs/" + id + "/retry"))) {
            r.then().statusCode(404).body("type", endsWith("/job-not-found"));
        }
        as(stranger).get("/api/jobs").then().statusCode(200).body("items", empty());
        as(stranger)
                .get("/api/jobs?q=" + id.substring(0, 8))
                .then()
                .statusCode(200)
                .body("items", empty());

        assertThat(status(id)).isEqualTo("QUEUED");
        as(owner).get("/api/jobs/" + id).then().statusCode(200).body("id", equalTo(id));
        as(owner).get("/api/jobs").then().body("items.id", equalTo(List.of(id)));
    }

    @Test
    void aRevokedKeyStopsWorking() throws Exception {
        String tenant = tenant();
        String key = key(tenant);
        as(key).get("/api/jobs").then().statusCode(200);

        try (Connection c = ForkyardTestResource.database().connect()) {
            assertThat(ApiKeys.revoke(c, key.substring(0, 10))).isEqualTo(1);
        }

        as(key).get("/api/jobs").then().statusCode(401);
    }

    @Test
    void aBrowserSessionReadsAndWritesOnlyWithItsCsrfTokenAndEndsWithSignOutOrItsKey() throws Exception {
        String tenant = tenant();
        String key = key(tenant);
        assertThat(sessions.signIn("fy_" + "y".repeat(43))).isEmpty();
        Sessions.SignedIn session = sessions.signIn(key).orElseThrow();
        assertThat(session.tenant()).isEqualTo(tenant);
        long before = jobs();

        given().cookie(Sessions.COOKIE, session.cookieValue())
                .get("/api/jobs")
                .then()
                .statusCode(200);
        given().cookie(Sessions.COOKIE, session.cookieValue())
                .contentType("application/json")
                .body(NOOP_LATER)
                .post("/api/jobs")
                .then()
                .statusCode(403)
                .body("type", endsWith("/csrf-token-invalid"));
        given().cookie(Sessions.COOKIE, session.cookieValue())
                .header("X-CSRF-Token", "not-" + session.csrfToken())
                .contentType("application/json")
                .body(NOOP_LATER)
                .post("/api/jobs")
                .then()
                .statusCode(403);
        assertThat(jobs()).isEqualTo(before);

        String id = given().cookie(Sessions.COOKIE, session.cookieValue())
                .header("X-CSRF-Token", session.csrfToken())
                .contentType("application/json")
                .body(NOOP_LATER)
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        as(key).get("/api/jobs/" + id).then().statusCode(200);

        sessions.signOut(session.cookieValue());
        given().cookie(Sessions.COOKIE, session.cookieValue())
                .get("/api/jobs")
                .then()
                .statusCode(401);

        Sessions.SignedIn second = sessions.signIn(key).orElseThrow();
        given().cookie(Sessions.COOKIE, second.cookieValue())
                .get("/api/jobs")
                .then()
                .statusCode(200);
        try (Connection c = ForkyardTestResource.database().connect()) {
            ApiKeys.revoke(c, key.substring(0, 10));
        }
        given().cookie(Sessions.COOKIE, second.cookieValue())
                .get("/api/jobs")
                .then()
                .statusCode(401);
        assertThat(sessions.signIn(key)).isEmpty();
    }

    @Test
    void submissionsOverTheTenantsRateAre429WithRetryAfterAndWriteNothing() throws Exception {
        String key = key(tenant());
        String other = key(tenant());
        StringBuilder ten = new StringBuilder("[");
        for (int i = 0; i < 10; i++) {
            ten.append(i == 0 ? "" : ",").append(NOOP_LATER);
        }
        as(key).contentType("application/json")
                .body(ten.append("]").toString())
                .post("/api/jobs/batch")
                .then()
                .statusCode(202);
        long before = jobs();

        as(key).contentType("application/json")
                .body(NOOP_LATER)
                .post("/api/jobs")
                .then()
                .statusCode(429)
                .header("Retry-After", Integer::parseInt, greaterThanOrEqualTo(1))
                .body("type", endsWith("/rate-limited"));
        as(key).contentType("application/json")
                .body("[" + NOOP_LATER + "," + NOOP_LATER + "]")
                .post("/api/jobs/batch")
                .then()
                .statusCode(429)
                .header("Retry-After", Integer::parseInt, greaterThanOrEqualTo(1));
        assertThat(jobs()).isEqualTo(before);

        // Another tenant has its own bucket; reads are never limited.
        as(other)
                .contentType("application/json")
                .body(NOOP_LATER)
                .post("/api/jobs")
                .then()
                .statusCode(202);
        as(key).get("/api/jobs").then().statusCode(200);
    }

    @Test
    void deployLocalRunsKeyIsKeptWhileItWorksAndReplacedOnceRevoked(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("api-key");
        String tenant = tenant();
        try (Connection c = ForkyardTestResource.database().connect()) {
            String first = ApiKeys.local(c, file, tenant);
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(ApiKeys.local(c, file, tenant)).isEqualTo(first);
            assertThat(ApiKeys.list(c, tenant)).hasSize(1);

            ApiKeys.revoke(c, first.substring(0, 10));
            String second = ApiKeys.local(c, file, tenant);

            assertThat(second).isNotEqualTo(first).startsWith(ApiKeys.PREFIX).hasSize(46);
            assertThat(Files.readString(file).strip()).isEqualTo(second);
            assertThat(ApiKeys.list(c, tenant))
                    .extracting(ApiKeys.Listed::revokedAt)
                    .satisfiesExactly(
                            revoked -> assertThat(revoked).isNotNull(),
                            active -> assertThat(active).isNull());
            // The stored hash is the key's SHA-256, never the key.
            try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM api_key WHERE key_hash = ?")) {
                s.setBytes(1, ApiKeys.hash(second));
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(1);
                }
            }
        }
        as(ApiKeys.PREFIX + Files.readString(file).strip().substring(3))
                .get("/api/jobs")
                .then()
                .statusCode(200);
    }

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key);
    }

    private static String tenant() {
        return "t-" + UUID.randomUUID();
    }

    private static String key(String tenant) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect()) {
            return ApiKeys.create(c, tenant, "auth test");
        }
    }

    private static String submit(String key) {
        return as(key).contentType("application/json")
                .body(NOOP_LATER)
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
    }

    private static long jobs() throws Exception {
        return count("SELECT count(*) FROM job");
    }

    private static String status(String id) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement("SELECT status FROM job WHERE id = ?::uuid")) {
            s.setString(1, id);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    private static long count(String sql) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement(sql);
                ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
