package io.forkyard.web.ui;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.auth.ApiKeys;
import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.web.auth.AuthOn;
import io.forkyard.web.auth.Sessions;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.sql.Connection;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The pages with authentication on: the sign-in form's double-submit CSRF token (cookie and hidden
 * field must agree), a wrong key shown back as an error, a session that opens the pages, a page form
 * without the session's token refused, another tenant's job the not-found page, and signing out.
 */
@QuarkusTest
@TestProfile(AuthOn.class)
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class SignInPageTest {

    private static final Pattern HIDDEN_CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]*)\"");
    private static final Pattern META_CSRF = Pattern.compile("<meta name=\"csrf-token\" content=\"([^\"]*)\"");
    private static final String NOOP_LATER = "{\"type\":\"noop\",\"input\":{},\"runAt\":\"2999-01-01T00:00:00Z\"}";

    @Test
    void theFormSetsAStrictHttpOnlyCookieHoldingTheFormsToken() {
        Response form = given().redirects().follow(false).get("/signin?next=/jobs/x");

        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.contentType()).startsWith("text/html");
        String cookie = form.getCookie(SignInPage.SIGNIN_COOKIE);
        assertThat(cookie).isNotBlank().isEqualTo(first(HIDDEN_CSRF, form.asString()));
        assertThat(form.getHeader("Set-Cookie"))
                .contains("HttpOnly")
                .containsIgnoringCase("SameSite=Strict")
                .contains("Path=/signin");
        assertThat(form.asString())
                .contains("<label for=\"apiKey\">API key</label>")
                .contains("name=\"next\" value=\"/jobs/x\"");
    }

    @Test
    void aFormWhoseTokenDiffersFromTheCookieIsRefusedAndSignsNobodyIn() throws Exception {
        String cookie = given().get("/signin").getCookie(SignInPage.SIGNIN_COOKIE);

        Response post = given().redirects()
                .follow(false)
                .cookie(SignInPage.SIGNIN_COOKIE, cookie)
                .formParam("_csrf", "not-" + cookie)
                .formParam("apiKey", key(tenant()))
                .post("/signin");
        Response withoutCookie = given().redirects()
                .follow(false)
                .formParam("_csrf", cookie)
                .formParam("apiKey", key(tenant()))
                .post("/signin");

        assertThat(post.statusCode()).isEqualTo(403);
        assertThat(post.asString()).contains("<h1>Refused</h1>");
        assertThat(post.getCookie(Sessions.COOKIE)).isNull();
        assertThat(withoutCookie.statusCode()).isEqualTo(403);
        assertThat(withoutCookie.getCookie(Sessions.COOKIE)).isNull();
    }

    @Test
    void anUnknownKeyShowsTheFormAgainWithAnErrorAnd401() {
        String cookie = given().get("/signin").getCookie(SignInPage.SIGNIN_COOKIE);

        Response post = given().redirects()
                .follow(false)
                .cookie(SignInPage.SIGNIN_COOKIE, cookie)
                .formParam("_csrf", cookie)
                .formParam("apiKey", "fy_" + "A".repeat(43))
                .post("/signin");

        assertThat(post.statusCode()).isEqualTo(401);
        assertThat(post.asString())
                .contains("That API key is unknown or revoked.")
                .contains("aria-invalid=\"true\"");
        assertThat(post.getCookie(Sessions.COOKIE)).isNull();
        assertThat(post.getCookie(SignInPage.SIGNIN_COOKIE)).isNotBlank().isNotEqualTo(cookie);
    }

    @Test
    void aKeySignsInToNextAndTheSessionOpensThePagesWithItsCsrfToken() throws Exception {
        String session = signIn(key(tenant()), "/dashboard");

        Response jobs = given().redirects()
                .follow(false)
                .cookie(Sessions.COOKIE, session)
                .get("/jobs");
        Response anonymous = given().redirects().follow(false).get("/jobs?status=FAILED");

        assertThat(jobs.statusCode()).isEqualTo(200);
        assertThat(first(META_CSRF, jobs.asString())).isNotBlank();
        assertThat(jobs.asString()).contains("action=\"/signout\"");
        assertThat(anonymous.statusCode()).isEqualTo(303);
        assertThat(anonymous.getHeader("Location")).endsWith("/signin?next=%2Fjobs%3Fstatus%3DFAILED");
    }

    @Test
    void aPageFormWithoutTheSessionsTokenIsRefusedAndChangesNothing() throws Exception {
        String key = key(tenant());
        String id = submit(key);
        String session = signIn(key, "/jobs");
        String token = first(
                META_CSRF,
                given().cookie(Sessions.COOKIE, session).get("/jobs/" + id).asString());

        Response without = given().redirects()
                .follow(false)
                .cookie(Sessions.COOKIE, session)
                .formParam("x", "y")
                .post("/jobs/" + id + "/cancel");
        Response wrong = given().redirects()
                .follow(false)
                .cookie(Sessions.COOKIE, session)
                .formParam("_csrf", token + "x")
                .post("/jobs/" + id + "/cancel");
        String statusAfterRefusals = status(key, id);
        Response right = given().redirects()
                .follow(false)
                .cookie(Sessions.COOKIE, session)
                .formParam("_csrf", token)
                .post("/jobs/" + id + "/cancel");

        assertThat(without.statusCode()).isEqualTo(403);
        assertThat(without.asString()).contains("<h1>Refused</h1>");
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(statusAfterRefusals).isEqualTo("QUEUED");
        assertThat(right.statusCode()).isEqualTo(303);
        assertThat(status(key, id)).isEqualTo("CANCELLED");
    }

    @Test
    void anotherTenantsJobIsTheNotFoundPageAndItsFormsTouchNothing() throws Exception {
        String otherKey = key(tenant());
        String theirs = submit(otherKey);
        String session = signIn(key(tenant()), "/jobs");
        String token = first(
                META_CSRF, given().cookie(Sessions.COOKIE, session).get("/jobs").asString());

        Response page = given().cookie(Sessions.COOKIE, session).get("/jobs/" + theirs);
        Response cancel = given().redirects()
                .follow(false)
                .cookie(Sessions.COOKIE, session)
                .formParam("_csrf", token)
                .post("/jobs/" + theirs + "/cancel");

        assertThat(page.statusCode()).isEqualTo(404);
        assertThat(page.asString()).contains("<h1>Not found</h1>").doesNotContain("data-id=\"" + theirs);
        assertThat(cancel.statusCode()).isEqualTo(404);
        assertThat(status(otherKey, theirs)).isEqualTo("QUEUED");
    }

    @Test
    void signingOutEndsTheSession() throws Exception {
        String session = signIn(key(tenant()), "/jobs");
        String token = first(
                META_CSRF, given().cookie(Sessions.COOKIE, session).get("/jobs").asString());

        Response refused = given().redirects()
                .follow(false)
                .cookie(Sessions.COOKIE, session)
                .formParam("x", "y")
                .post("/signout");
        Response out = given().redirects()
                .follow(false)
                .cookie(Sessions.COOKIE, session)
                .formParam("_csrf", token)
                .post("/signout");
        Response after = given().redirects()
                .follow(false)
                .cookie(Sessions.COOKIE, session)
                .get("/jobs");

        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(out.getHeader("Location")).isEqualTo("/signin");
        assertThat(out.getHeader("Set-Cookie")).contains(Sessions.COOKIE + "=").contains("Max-Age=0");
        assertThat(after.statusCode()).isEqualTo(303);
    }

    /** Signs in through the form, as a browser does; answers the session cookie. */
    private static String signIn(String key, String next) {
        Response form = given().get("/signin?next=" + next);
        String cookie = form.getCookie(SignInPage.SIGNIN_COOKIE);
        Response post = given().redirects()
                .follow(false)
                .cookie(SignInPage.SIGNIN_COOKIE, cookie)
                .formParam("_csrf", first(HIDDEN_CSRF, form.asString()))
                .formParam("next", next)
                .formParam("apiKey", key)
                .post("/signin");
        assertThat(post.statusCode()).isEqualTo(303);
        assertThat(post.getHeader("Location")).isEqualTo(next);
        assertThat(post.getHeaders().getValues("Set-Cookie"))
                .anySatisfy(c -> assertThat(c)
                        .startsWith(Sessions.COOKIE + "=")
                        .contains("HttpOnly")
                        .containsIgnoringCase("SameSite=Strict"));
        return post.getCookie(Sessions.COOKIE);
    }

    private static String first(Pattern pattern, String html) {
        Matcher m = pattern.matcher(html);
        assertThat(m.find()).as(pattern.pattern()).isTrue();
        return m.group(1);
    }

    private static String tenant() {
        return "ui-" + UUID.randomUUID();
    }

    private static String key(String tenant) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect()) {
            return ApiKeys.create(c, tenant, "pages test");
        }
    }

    private static String submit(String key) {
        return given().header("Authorization", "Bearer " + key)
                .contentType("application/json")
                .body(NOOP_LATER)
                .post("/api/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
    }

    private static String status(String key, String id) {
        return given().header("Authorization", "Bearer " + key)
                .get("/api/jobs/" + id)
                .then()
                .statusCode(200)
                .extract()
                .path("status");
    }
}
