package io.forkyard.web.ui;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.testing.ForkyardTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The pages with authentication off (the web module's test profile): routes, layout, assets. */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class PagesTest {

    @Test
    void theStartPageIsTheJobs() {
        Response home = given().redirects().follow(false).get("/");

        assertThat(home.statusCode()).isEqualTo(303);
        assertThat(home.getHeader("Location")).isEqualTo("/jobs");
    }

    @Test
    void withoutAuthenticationSigningInGoesStraightToTheJobsOrToNext() {
        Response form = given().redirects().follow(false).get("/signin");
        Response post = given().redirects()
                .follow(false)
                .formParam("apiKey", "x")
                .formParam("next", "/dashboard")
                .post("/signin");
        Response elsewhere = given().redirects()
                .follow(false)
                .formParam("apiKey", "x")
                .formParam("next", "//evil.example/")
                .post("/signin");

        assertThat(form.statusCode()).isEqualTo(303);
        assertThat(form.getHeader("Location")).isEqualTo("/jobs");
        assertThat(post.getHeader("Location")).isEqualTo("/dashboard");
        assertThat(elsewhere.getHeader("Location")).isEqualTo("/jobs");
    }

    @Test
    void theJobsPageKeepsTheFilterOfItsUrlInItsForm() {
        Response page = given().get("/jobs?status=FAILED&type=sha256&queue=q1&q=ab12");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.asString())
                .contains("<option value=\"FAILED\" selected>")
                .contains("<option value=\"sha256\" selected>")
                .contains("name=\"queue\" type=\"text\" value=\"q1\"")
                .contains("value=\"ab12\"")
                .contains("aria-current=\"page\">Jobs</a>")
                .contains("src=\"/static/jobs.js\"");
    }

    @Test
    void whatTheUrlSaysIsShownAsTextNeverAsMarkup() {
        String page = given().queryParam("queue", "\"><script>alert(1)</script>")
                .get("/jobs")
                .asString();

        assertThat(page).doesNotContain("<script>alert(1)</script>").contains("&lt;script&gt;alert(1)&lt;/script&gt;");
    }

    @Test
    void aJobPageShowsTheJobAndItsForms() {
        String id = aQueuedJob();

        Response page = given().get("/jobs/" + id);

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.asString())
                .contains("data-id=\"" + id + "\"")
                .contains("status-QUEUED")
                .contains("action=\"/jobs/" + id + "/cancel\"")
                .contains("name=\"_csrf\"");
    }

    @Test
    void anUnknownJobIdOrOneThatIsNoIdIsTheNotFoundPage() {
        Response unknown = given().get("/jobs/" + UUID.randomUUID());
        Response garbage = given().get("/jobs/not-an-id");

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("text/html");
        assertThat(unknown.asString()).contains("<h1>Not found</h1>");
        assertThat(garbage.statusCode()).isEqualTo(404);
        assertThat(garbage.asString()).contains("<h1>Not found</h1>");
    }

    @Test
    void theCancelAndRetryFormsChangeTheJobAndComeBackToItsPage() {
        String id = aQueuedJob();

        Response cancel =
                given().redirects().follow(false).formParam("_csrf", "").post("/jobs/" + id + "/cancel");
        String afterCancel = given().get("/api/jobs/" + id).jsonPath().getString("status");
        Response retry =
                given().redirects().follow(false).formParam("_csrf", "").post("/jobs/" + id + "/retry");
        String afterRetry = given().get("/api/jobs/" + id).jsonPath().getString("status");
        Response again =
                given().redirects().follow(false).formParam("_csrf", "").post("/jobs/" + id + "/retry");

        assertThat(cancel.statusCode()).isEqualTo(303);
        assertThat(cancel.getHeader("Location")).isEqualTo("/jobs/" + id + "?notice=cancel-requested");
        assertThat(afterCancel).isEqualTo("CANCELLED");
        assertThat(retry.getHeader("Location")).isEqualTo("/jobs/" + id + "?notice=retried");
        assertThat(afterRetry).isEqualTo("QUEUED");
        assertThat(again.getHeader("Location")).isEqualTo("/jobs/" + id + "?notice=not-retryable");
        assertThat(given().get("/jobs/" + id + "?notice=retried").asString())
                .contains("The job was queued again with fresh attempts.");
    }

    @Test
    void theDashboardPageLoadsItsModule() {
        Response page = given().get("/dashboard");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.asString()).contains("src=\"/static/dashboard.js\"").contains("<h2 id=\"workers-title\">");
    }

    /** A job that stays QUEUED: due in a day, and no worker runs in these tests anyway. */
    private static String aQueuedJob() {
        return given().contentType("application/json")
                .body("{\"type\": \"noop\", \"input\": {}, \"queue\": \"ui-pages\", \"runAt\": \""
                        + Instant.now().plus(Duration.ofDays(1)) + "\"}")
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .extract()
                .jsonPath()
                .getString("id");
    }

    @Test
    void theStylesheetAndTheSharedModuleAreServedByTheWebTier() {
        given().get("/static/app.css").then().statusCode(200).contentType("text/css");
        Response module = given().get("/static/app.js");

        assertThat(module.statusCode()).isEqualTo(200);
        assertThat(module.contentType()).contains("javascript");
        assertThat(module.asString()).contains("X-CSRF-Token");
    }
}
