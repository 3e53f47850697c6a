package io.forkyard.web.openapi;

import io.forkyard.web.problem.Problem;
import io.forkyard.web.problem.ProblemType;
import io.quarkus.smallrye.openapi.OpenApiFilter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.media.Schema.SchemaType;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

/**
 * What every operation of the API document has in common, added once here so a resource documents
 * only what is its own (README "Document an endpoint"): the {@code Problem} schema with the
 * problem-type catalogue ({@link ProblemType}, also as the extension {@code x-problem-types}), the
 * {@code bearer} and {@code session} security schemes, and on every {@code /api} operation its
 * security, the answers any API call can get ({@code 401}, {@code 500}, {@code 503}; {@code 403} for
 * the writes) and a problem+json body for every error answer a resource declared without one.
 * Runs at build time.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class ApiDocument implements OASFilter {

    static final String PROBLEM_SCHEMA = "Problem";

    @Override
    public void filterOpenAPI(OpenAPI api) {
        if (api.getInfo() == null) {
            api.setInfo(OASFactory.createInfo());
        }
        api.getInfo()
                .title("Forkyard API")
                .description("Submit jobs, follow them, retry or cancel them; stats for the dashboard. Every /api call"
                        + " needs an API key (`Authorization: Bearer fy_…`) or a browser session (the cookie from"
                        + " /signin; its writes also send `X-CSRF-Token`), and sees only its tenant's jobs. Every"
                        + " error is `application/problem+json` whose `type` is one of the problem types in the"
                        + " `Problem` schema, each described at `GET /problems/{slug}`.");
        if (api.getComponents() == null) {
            api.setComponents(OASFactory.createComponents());
        }
        Components components = api.getComponents();
        components.addSchema(PROBLEM_SCHEMA, problemSchema());
        components.addSecurityScheme(
                "bearer",
                OASFactory.createSecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .description(
                                "An API key of a tenant: `Authorization: Bearer fy_…` (`deploy/keys` makes one)."));
        components.addSecurityScheme(
                "session",
                OASFactory.createSecurityScheme()
                        .type(SecurityScheme.Type.APIKEY)
                        .in(SecurityScheme.In.COOKIE)
                        .name("forkyard_session")
                        .description("A browser session from /signin. Its POST, PUT, PATCH and DELETE calls also send"
                                + " the session's CSRF token in `X-CSRF-Token`."));
        api.addExtension("x-problem-types", catalogue());
        if (api.getPaths() == null || api.getPaths().getPathItems() == null) {
            return;
        }
        for (Map.Entry<String, PathItem> path : api.getPaths().getPathItems().entrySet()) {
            boolean secured = path.getKey().startsWith("/api/") || path.getKey().equals("/api");
            for (Map.Entry<PathItem.HttpMethod, Operation> operation :
                    path.getValue().getOperations().entrySet()) {
                complete(operation.getValue(), operation.getKey(), secured);
            }
        }
    }

    private static void complete(Operation operation, PathItem.HttpMethod method, boolean secured) {
        if (operation.getResponses() == null) {
            operation.setResponses(OASFactory.createAPIResponses());
        }
        APIResponses responses = operation.getResponses();
        if (secured) {
            operation.addSecurityRequirement(
                    OASFactory.createSecurityRequirement().addScheme("bearer"));
            operation.addSecurityRequirement(
                    OASFactory.createSecurityRequirement().addScheme("session"));
            addIfAbsent(responses, ProblemType.UNAUTHORIZED);
            if (method != PathItem.HttpMethod.GET && method != PathItem.HttpMethod.HEAD) {
                addIfAbsent(responses, ProblemType.CSRF_TOKEN_INVALID);
            }
            addIfAbsent(responses, ProblemType.INTERNAL);
            addIfAbsent(responses, ProblemType.UNAVAILABLE);
        }
        for (Map.Entry<String, APIResponse> response :
                responses.getAPIResponses().entrySet()) {
            if (response.getKey().compareTo("400") >= 0
                    && (response.getValue().getContent() == null
                            || response.getValue().getContent().getMediaTypes() == null
                            || response.getValue().getContent().getMediaTypes().isEmpty())) {
                response.getValue().setContent(problemContent());
            }
        }
    }

    private static void addIfAbsent(APIResponses responses, ProblemType type) {
        String code = String.valueOf(type.status());
        if (responses.getAPIResponses() == null || !responses.getAPIResponses().containsKey(code)) {
            responses.addAPIResponse(
                    code,
                    OASFactory.createAPIResponse()
                            .description("`" + type.slug() + "`: " + type.description())
                            .content(problemContent()));
        }
    }

    private static Content problemContent() {
        return OASFactory.createContent()
                .addMediaType(
                        Problem.MEDIA_TYPE,
                        OASFactory.createMediaType()
                                .schema(OASFactory.createSchema().ref(PROBLEM_SCHEMA)));
    }

    private static Schema problemSchema() {
        StringBuilder table = new StringBuilder(
                "An RFC 9457 problem document: every error answer of the API. `type` says what kind of problem it"
                        + " is, one of those below (`" + ProblemType.BASE + "` and a slug; the same on every"
                        + " deployment, so clients may compare it); `GET /problems/{slug}` on the web tier describes"
                        + " it. `errors` names each offending field, when there are fields to name.\n\n"
                        + "| slug | status | title | meaning |\n|---|---|---|---|\n");
        List<Object> uris = new ArrayList<>();
        for (ProblemType t : ProblemType.values()) {
            uris.add(t.uri());
            table.append("| `")
                    .append(t.slug())
                    .append("` | ")
                    .append(t.status())
                    .append(" | ")
                    .append(t.title())
                    .append(" | ")
                    .append(t.description().replace("|", "\\|"))
                    .append(" |\n");
        }
        Schema violation = OASFactory.createSchema()
                .addType(SchemaType.OBJECT)
                .addProperty(
                        "field",
                        OASFactory.createSchema()
                                .addType(SchemaType.STRING)
                                .description("the offending field or parameter: `input.rounds`, `ids[3]`, `status`"))
                .addProperty("message", OASFactory.createSchema().addType(SchemaType.STRING));
        return OASFactory.createSchema()
                .addType(SchemaType.OBJECT)
                .description(table.toString())
                .required(List.of("type", "title", "status"))
                .addProperty(
                        "type",
                        OASFactory.createSchema()
                                .addType(SchemaType.STRING)
                                .format("uri")
                                .enumeration(uris)
                                .description("the problem type"))
                .addProperty("title", OASFactory.createSchema().addType(SchemaType.STRING))
                .addProperty("status", OASFactory.createSchema().addType(SchemaType.INTEGER))
                .addProperty(
                        "detail",
                        OASFactory.createSchema()
                                .addType(SchemaType.STRING)
                                .description("what went wrong with this request, for people"))
                .addProperty(
                        "errors",
                        OASFactory.createSchema().addType(SchemaType.ARRAY).items(violation));
    }

    private static List<Map<String, Object>> catalogue() {
        List<Map<String, Object>> types = new ArrayList<>();
        for (ProblemType t : ProblemType.values()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("type", t.uri());
            entry.put("slug", t.slug());
            entry.put("title", t.title());
            entry.put("status", t.status());
            entry.put("description", t.description());
            entry.put("documentation", "/problems/" + t.slug());
            types.add(entry);
        }
        return types;
    }
}
