package io.forkyard.web.openapi;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.web.auth.AuthOn;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/** With authentication on, as deployed: the API document, Swagger UI and the problem pages need no key. */
@QuarkusTest
@TestProfile(AuthOn.class)
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class PublicDocsTest {

    @Test
    void theApiDocumentSwaggerUiAndProblemPagesNeedNoKey() {
        given().when().get("/q/openapi").then().statusCode(200).body(containsString("/api/jobs/bulk"));
        given().when().get("/q/swagger-ui/").then().statusCode(200);
        given().accept("application/json")
                .when()
                .get("/problems/unauthorized")
                .then()
                .statusCode(200)
                .body("status", equalTo(401));
        given().when().get("/api/stats").then().statusCode(401);
    }
}
