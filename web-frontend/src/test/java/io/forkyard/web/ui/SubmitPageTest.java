package io.forkyard.web.ui;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.testing.ForkyardTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/**
 * The Submit page as the server renders it (authentication off, the web module's test profile): a
 * form per job type with the API's limits, no {@code exec} form unless the operator lists programs,
 * and its script and workers served by the web tier. What the forms do in a browser is {@code
 * SubmitPageIT}'s.
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class SubmitPageTest {

    @Test
    void theSubmitPageHasAFormPerJobTypeWithTheApisLimits() {
        Response page = given().get("/submit");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.asString())
                .contains("id=\"form-sha256\"", "id=\"form-image\"", "id=\"form-csv-stats\"")
                .contains("id=\"form-sleep\"", "id=\"form-noop\"")
                // The test profile declares the external type word-count: it gets a JSON form.
                .contains("id=\"form-word-count\"")
                .contains("data-max-file-bytes=\"750000\"", "Files up to 750,000 bytes")
                .contains("data-max-bytes=\"12000000\"", "data-max-chars=\"8000000\"")
                .contains("src=\"/static/submit.js\"", "aria-current=\"page\">Submit</a>")
                .contains("<meta name=\"csrf-token\"");
        // The sha256 form is the one shown; the others are hidden until chosen.
        assertThat(page.asString()).contains("data-form=\"sha256\" aria-labelledby=\"h-sha256\">");
        assertThat(page.asString()).contains("data-form=\"image\" aria-labelledby=\"h-image\" hidden>");
    }

    @Test
    void withoutProgramsListedByTheOperatorThereIsNoExecForm() {
        assertThat(given().get("/submit").asString()).doesNotContain("form-exec");
        // Asking for it shows the default form instead.
        assertThat(given().get("/submit?type=exec").asString())
                .doesNotContain("form-exec")
                .contains("data-form=\"sha256\" aria-labelledby=\"h-sha256\">");
    }

    @Test
    void theTypeInTheUrlChoosesTheFormShown() {
        String page = given().get("/submit?type=csv-stats").asString();

        assertThat(page).contains("data-form=\"csv-stats\" aria-labelledby=\"h-csv\">");
        assertThat(page).contains("data-form=\"sha256\" aria-labelledby=\"h-sha256\" hidden>");
        assertThat(page).contains("href=\"/submit?type=csv-stats\" data-type=\"csv-stats\" aria-current=\"page\"");
    }

    @Test
    void thePagesScriptAndWorkersAreServedByTheWebTier() {
        for (String asset : new String[] {
            "/static/submit.js",
            "/static/submit.css",
            "/static/workers/sha256.js",
            "/static/workers/hash-file.js",
            "/static/workers/image-preview.js",
            "/static/workers/csv-preview.js",
            "/static/workers/csv.js",
            "/static/workers/base64.js"
        }) {
            Response response = given().get(asset);
            assertThat(response.statusCode()).as(asset).isEqualTo(200);
            assertThat(response.asString()).as(asset).isNotBlank();
        }
    }
}
