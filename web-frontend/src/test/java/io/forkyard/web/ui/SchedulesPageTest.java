package io.forkyard.web.ui;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.testing.ForkyardTestResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The schedules page (README "Schedules") with authentication off: a form with mistakes comes back
 * with each named and the input kept, and nothing saved; a good one makes the schedule and shows its
 * next runs; enable, disable and delete go through.
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class SchedulesPageTest {

    @Test
    void aScheduleIsMadeEditedDisabledAndDeletedThroughItsForms() throws Exception {
        String name = "page-" + UUID.randomUUID().toString().substring(0, 8);
        Response bad =
                form("/schedules", name, "0 25 * * *", "{\"type\": \"noop\"").post("/schedules");
        assertThat(bad.statusCode()).isEqualTo(422);
        assertThat(bad.asString())
                .contains("<strong>job</strong>: is not valid JSON")
                .contains("value=\"0 25 * * *\"")
                .contains("value=\"" + name + "\"");
        Response wrongCron = form("/schedules", name, "0 25 * * *", "{\"type\": \"noop\", \"input\": {}}")
                .post("/schedules");
        assertThat(wrongCron.asString()).contains("<strong>cron</strong>: hour: 25 is out of range 0-23");
        assertThat(count(name)).isZero();

        Response made = form("/schedules", name, "30 6 * * MON-FRI", "{\"type\": \"noop\", \"input\": {}}")
                .formParam("enabled", "true") // the checkbox, ticked
                .post("/schedules");
        assertThat(made.statusCode()).isEqualTo(303);
        String path = made.getHeader("Location");
        assertThat(path).startsWith("/schedules/");
        String page = given().get(path).then().statusCode(200).extract().asString();
        assertThat(page).contains("<h1>" + name + "</h1>").contains("id=\"next-runs\"");
        assertThat(page.split("<time datetime=").length - 1).isEqualTo(5);
        assertThat(given().get("/schedules").asString())
                .contains("href=\"" + path + "\"")
                .contains("Disable");

        given().redirects()
                .follow(false)
                .formParam("enabled", "false")
                .post(path + "/enabled")
                .then()
                .statusCode(303);
        assertThat(enabled(name)).isFalse();
        assertThat(given().get(path).asString()).contains("None: the schedule is disabled.");

        Response edited = form(path, name, "*/5 * * * *", "{\"type\": \"noop\", \"input\": {}, \"maxAttempts\": 2}")
                .formParam("enabled", "true")
                .post(path);
        assertThat(edited.statusCode()).isEqualTo(303);
        assertThat(enabled(name)).isTrue();

        given().redirects().follow(false).post(path + "/delete").then().statusCode(303);
        assertThat(count(name)).isZero();
        given().get(path).then().statusCode(404);
    }

    private static io.restassured.specification.RequestSpecification form(
            String action, String name, String cron, String job) {
        return given().redirects()
                .follow(false)
                .formParam("name", name)
                .formParam("cron", cron)
                .formParam("timeZone", "Europe/Berlin")
                .formParam("misfire", "skip")
                .formParam("job", job);
    }

    private static long count(String name) throws Exception {
        return query("SELECT count(*) FROM schedule WHERE name = ?", name);
    }

    private static boolean enabled(String name) throws Exception {
        return query("SELECT count(*) FROM schedule WHERE name = ? AND enabled AND next_run_at IS NOT NULL", name) == 1;
    }

    private static long query(String sql, String name) throws Exception {
        try (Connection c = ForkyardTestResource.database().connect();
                PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
