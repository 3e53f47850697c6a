package io.forkyard.web.ui;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.testing.ForkyardTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The sign-in form with authentication on: its double-submit CSRF token (cookie and hidden field
 * must agree), and a wrong key shown back as an error.
 */
@QuarkusTest
@TestProfile(SignInPageTest.AuthOn.class)
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class SignInPageTest {

    /** Authentication on, as in production. */
    public static class AuthOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("forkyard.web.auth.enabled", "true");
        }
    }

    private static final Pattern HIDDEN_CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    @Test
    void theFormSetsAStrictHttpOnlyCookieHoldingTheFormsToken() {
        Response form = given().redirects().follow(false).get("/signin?next=/jobs/x");

        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.contentType()).startsWith("text/html");
        String cookie = form.getCookie(SignInPage.SIGNIN_COOKIE);
        assertThat(cookie).isNotBlank().isEqualTo(hiddenToken(form.asString()));
        String setCookie = form.getHeader("Set-Cookie");
        assertThat(setCookie)
                .contains("HttpOnly")
                .containsIgnoringCase("SameSite=Strict")
                .contains("Path=/signin");
        assertThat(form.asString())
                .contains("<label for=\"apiKey\">API key</label>")
                .contains("name=\"next\" value=\"/jobs/x\"")
                .contains("<meta name=\"csrf-token\"");
    }

    @Test
    void aFormWhoseTokenDiffersFromTheCookieIsRefused() {
        Response form = given().get("/signin");
        String cookie = form.getCookie(SignInPage.SIGNIN_COOKIE);

        Response post = given().redirects()
                .follow(false)
                .cookie(SignInPage.SIGNIN_COOKIE, cookie)
                .formParam("_csrf", "not-" + cookie)
                .formParam("apiKey", "fy_whatever")
                .post("/signin");

        assertThat(post.statusCode()).isEqualTo(403);
        assertThat(post.asString()).contains("<h1>Refused</h1>");
        assertThat(post.getHeader("Set-Cookie")).isNull();
    }

    @Test
    void aFormWithoutTheCookieIsRefused() {
        Response post = given().redirects()
                .follow(false)
                .formParam("_csrf", "anything")
                .formParam("apiKey", "fy_whatever")
                .post("/signin");

        assertThat(post.statusCode()).isEqualTo(403);
    }

    @Test
    void anUnknownKeyShowsTheFormAgainWithAnErrorAnd401() {
        Response form = given().get("/signin");
        String cookie = form.getCookie(SignInPage.SIGNIN_COOKIE);

        Response post = given().redirects()
                .follow(false)
                .cookie(SignInPage.SIGNIN_COOKIE, cookie)
                .formParam("_csrf", cookie)
                .formParam("apiKey", "fy_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
                .post("/signin");

        assertThat(post.statusCode()).isEqualTo(401);
        assertThat(post.asString())
                .contains("That API key is unknown or revoked.")
                .contains("aria-invalid=\"true\"");
        assertThat(post.getCookie("forkyard_session")).isNull();
        assertThat(post.getCookie(SignInPage.SIGNIN_COOKIE)).isNotBlank().isNotEqualTo(cookie);
    }

    private static String hiddenToken(String html) {
        Matcher m = HIDDEN_CSRF.matcher(html);
        assertThat(m.find()).as("a hidden _csrf field").isTrue();
        return m.group(1);
    }
}
