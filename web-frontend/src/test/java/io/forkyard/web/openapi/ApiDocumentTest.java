package io.forkyard.web.openapi;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import io.forkyard.testing.ForkyardTestResource;
import io.forkyard.web.problem.ProblemType;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The API document at {@code /q/openapi}: every {@code /api} operation of every resource class is in
 * it, with a summary and its answers; the problem-type catalogue and the security schemes are in it;
 * Swagger UI and the problem pages answer.
 */
@QuarkusTest
@WithTestResource(value = ForkyardTestResource.class, scope = TestResourceScope.GLOBAL)
class ApiDocumentTest {

    @Test
    void everyApiOperationIsDocumentedWithASummaryAndItsAnswers() throws Exception {
        JsonPath doc = document();
        Map<String, Map<String, Map<String, Object>>> paths = doc.getMap("paths");
        Set<String> operations = apiOperations();
        assertThat(operations).as("the resources' /api operations").contains("GET /api/stats", "POST /api/jobs/bulk");

        List<String> problems = new ArrayList<>();
        for (String operation : operations) {
            String method = operation.substring(0, operation.indexOf(' ')).toLowerCase();
            String path = operation.substring(operation.indexOf(' ') + 1);
            Map<String, Object> documented = paths.getOrDefault(path, Map.of()).get(method);
            if (documented == null) {
                problems.add(operation + " is missing");
                continue;
            }
            if (documented.get("summary") == null) {
                problems.add(operation + " has no summary (@Operation)");
            }
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> responses = (Map<String, Map<String, Object>>) documented.get("responses");
            if (responses.keySet().stream().noneMatch(code -> code.startsWith("2"))) {
                problems.add(operation + " documents no success answer (@APIResponse)");
            }
            for (String code : List.of("401", "500", "503")) {
                if (!responses.containsKey(code)) {
                    problems.add(operation + " lacks " + code);
                }
            }
            if (!method.equals("get") && !responses.containsKey("403")) {
                problems.add(operation + " lacks 403");
            }
            for (Map.Entry<String, Map<String, Object>> response : responses.entrySet()) {
                if (response.getKey().compareTo("400") >= 0
                        && !String.valueOf(response.getValue().get("content")).contains("application/problem+json")) {
                    problems.add(operation + " answers " + response.getKey() + " without a problem+json body");
                }
            }
            if (documented.get("security") == null) {
                problems.add(operation + " has no security requirement");
            }
        }
        assertThat(problems).isEmpty();
    }

    /**
     * What OpenAPI 3.1 and a generated client need of every operation in the document: an {@code
     * operationId}, unique (a client names its methods after it), and a {@code schema} for every
     * header an answer declares (a header object needs one; {@code Location} had none).
     */
    @Test
    void everyOperationHasAUniqueOperationIdAndEveryAnswerHeaderASchema() {
        Map<String, Map<String, Map<String, Object>>> paths = document().getMap("paths");
        List<String> problems = new ArrayList<>();
        Map<String, String> ids = new HashMap<>();
        paths.forEach((path, methods) -> methods.forEach((method, operation) -> {
            String where = method.toUpperCase() + " " + path;
            Object id = operation.get("operationId");
            if (id == null) {
                problems.add(where + " has no operationId");
            } else {
                String other = ids.putIfAbsent(id.toString(), where);
                if (other != null) {
                    problems.add(where + " shares operationId " + id + " with " + other);
                }
            }
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> responses = (Map<String, Map<String, Object>>) operation.get("responses");
            responses.forEach((code, response) -> {
                @SuppressWarnings("unchecked")
                Map<String, Map<String, Object>> headers = (Map<String, Map<String, Object>>) response.get("headers");
                if (headers != null) {
                    headers.forEach((name, header) -> {
                        if (header.get("schema") == null) {
                            problems.add(where + " " + code + ": header " + name + " has no schema");
                        }
                    });
                }
            });
        }));
        assertThat(ids).as("operations with an id").hasSizeGreaterThan(25);
        assertThat(ids)
                .containsEntry("submitJob", "POST /api/jobs")
                .containsEntry("retryJob", "POST /api/jobs/{id}/retry");
        assertThat(problems).isEmpty();
    }

    @Test
    void theDocumentHoldsTheProblemCatalogueAndTheSecuritySchemes() {
        JsonPath doc = document();

        List<String> types = doc.getList("components.schemas.Problem.properties.type.enum");
        List<String> expected =
                Stream.of(ProblemType.values()).map(ProblemType::uri).toList();
        assertThat(types).containsExactlyInAnyOrderElementsOf(expected);
        String description = doc.getString("components.schemas.Problem.description");
        for (ProblemType t : ProblemType.values()) {
            assertThat(description).contains("`" + t.slug() + "`");
        }
        assertThat(doc.<String>getList("x-problem-types.slug"))
                .containsExactlyElementsOf(
                        Stream.of(ProblemType.values()).map(ProblemType::slug).toList());
        assertThat(doc.getString("components.securitySchemes.bearer.type")).isEqualTo("http");
        assertThat(doc.getString("components.securitySchemes.bearer.scheme")).isEqualTo("bearer");
        assertThat(doc.getString("components.securitySchemes.session.in")).isEqualTo("cookie");
    }

    @Test
    void swaggerUiAndTheProblemPagesAnswer() {
        given().when().get("/q/swagger-ui/").then().statusCode(200).body(containsString("swagger"));

        given().accept("application/json")
                .when()
                .get("/problems/job-not-found")
                .then()
                .statusCode(200)
                .body("type", equalTo("https://forkyard.io/problems/job-not-found"))
                .body("status", equalTo(404));
        given().accept("text/html")
                .when()
                .get("/problems/rate-limited")
                .then()
                .statusCode(200)
                .contentType("text/html")
                .body(containsString("Too many submissions"), containsString("Retry-After"));
        given().accept("text/html")
                .when()
                .get("/problems")
                .then()
                .statusCode(200)
                .body(containsString("/problems/invalid-bulk-request"));
        given().accept("application/json")
                .when()
                .get("/problems/no-such-thing")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("type", endsWith("/not-found"));
    }

    /** The document, also kept as {@code target/openapi.json} for people to read. */
    private static JsonPath document() {
        String json = given().accept("application/json")
                .when()
                .get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        try {
            Files.writeString(java.nio.file.Path.of("target", "openapi.json"), json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new JsonPath(json);
    }

    /** "METHOD /path" of every JAX-RS resource method under /api, from the compiled classes. */
    private static Set<String> apiOperations() throws IOException, ClassNotFoundException {
        java.nio.file.Path classes = java.nio.file.Path.of("target", "classes");
        List<java.nio.file.Path> files;
        try (Stream<java.nio.file.Path> walk = Files.walk(classes)) {
            files = walk.filter(p -> p.toString().endsWith(".class")).toList();
        }
        Set<String> operations = new TreeSet<>();
        for (java.nio.file.Path file : files) {
            String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
            Class<?> type = Class.forName(name, false, ApiDocumentTest.class.getClassLoader());
            Path root = type.getAnnotation(Path.class);
            if (root == null) {
                continue;
            }
            for (Method method : type.getDeclaredMethods()) {
                String verb = verb(method);
                if (verb == null) {
                    continue;
                }
                Path sub = method.getAnnotation(Path.class);
                String path = join(root.value(), sub == null ? "" : sub.value());
                if (path.startsWith("/api/") || path.equals("/api")) {
                    operations.add(verb + " " + path);
                }
            }
        }
        return operations;
    }

    private static String verb(Method method) {
        if (method.isAnnotationPresent(GET.class)) {
            return "GET";
        }
        if (method.isAnnotationPresent(POST.class)) {
            return "POST";
        }
        if (method.isAnnotationPresent(PUT.class)) {
            return "PUT";
        }
        if (method.isAnnotationPresent(DELETE.class)) {
            return "DELETE";
        }
        if (method.isAnnotationPresent(PATCH.class)) {
            return "PATCH";
        }
        return null;
    }

    /** The class and method paths joined, path parameters without their regular expressions. */
    private static String join(String root, String sub) {
        String path =
                ("/" + root + "/" + sub).replaceAll("/+", "/").replaceAll("\\{\\s*([^}:\\s]+)\\s*:[^}]*}", "{$1}");
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
