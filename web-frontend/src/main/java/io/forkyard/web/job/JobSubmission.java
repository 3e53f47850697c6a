package io.forkyard.web.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.job.Job;
import io.forkyard.jobtype.ExecType;
import io.forkyard.jobtype.JobType;
import io.forkyard.jobtype.JobTypeCatalogue;
import io.forkyard.jobtype.Violations;
import io.forkyard.messaging.Json;
import io.forkyard.web.WebConfig;
import io.forkyard.web.callback.CallbackTargets;
import io.forkyard.web.job.JobCommands.NewJob;
import io.forkyard.web.problem.Problem;
import io.forkyard.web.problem.ProblemException;
import io.forkyard.web.queue.Queues;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Turns request bodies into committed QUEUED jobs: parse, validate against the job type, then
 * insert with one statement. Anything invalid throws a {@link ProblemException} before anything is
 * written, so a bad request changes nothing. The answer's job views are built from what was
 * inserted, without reading the rows back.
 */
@ApplicationScoped
public class JobSubmission {

    @Inject
    JobCommands commands;

    @Inject
    SubmitGroup group;

    @Inject
    WebConfig config;

    @Inject
    MeterRegistry registry;

    @Inject
    Queues queues;

    @Inject
    CallbackTargets callbacks;

    private JobTypeCatalogue catalogue;
    private List<String> execPrograms;

    @jakarta.annotation.PostConstruct
    void init() {
        catalogue =
                JobTypeCatalogue.instance().withExternal(config.externalTypes().orElse(List.of()));
        execPrograms = config.submit().programs();
    }

    /** Parses and validates one submission body. */
    public NewJob validate(byte[] body, String idempotencyKey) {
        JsonNode tree = parse(body);
        Violations violations = new Violations();
        NewJob job = toNewJob(SubmitRequest.read(tree, "", violations), "", violations, new HashMap<>());
        throwIfInvalid(violations);
        return idempotencyKey == null ? job : job.withIdempotencyKey(idempotencyKey, sha256Hex(Json.toBytes(tree)));
    }

    /** A validated batch submit: its jobs, and the batch's callback URL (null: none). */
    public record BatchRequest(List<NewJob> jobs, String callbackUrl) {}

    /**
     * Parses and validates a batch body: a JSON array of submissions, or {@code {"jobs": [...],
     * "callbackUrl"}} for a batch that calls back when it finishes (README "Callbacks").
     */
    public BatchRequest validateBatch(byte[] body) {
        JsonNode tree = parse(body);
        Violations violations = new Violations();
        String callbackUrl = null;
        String prefix = "";
        if (tree.isObject()) {
            for (java.util.Iterator<String> names = tree.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!name.equals("jobs") && !name.equals("callbackUrl")) {
                    violations.add(name, "is not a known field (known: callbackUrl, jobs)");
                }
            }
            JsonNode url = tree.get("callbackUrl");
            if (url != null && !url.isNull()) {
                callbackUrl = url.isTextual() ? url.asText() : "";
                callbacks.refusal(callbackUrl).ifPresent(why -> violations.add("callbackUrl", why));
            }
            tree = tree.path("jobs");
            prefix = "jobs";
        }
        if (!tree.isArray() || tree.isEmpty()) {
            violations.add(prefix.isEmpty() ? "body" : prefix, "must be a non-empty JSON array of jobs");
            throwIfInvalid(violations);
        }
        if (tree.size() > config.maxBatchJobs()) {
            violations.add(prefix.isEmpty() ? "body" : prefix, "at most " + config.maxBatchJobs() + " jobs per batch");
            throwIfInvalid(violations);
        }
        List<NewJob> result = new ArrayList<>();
        Map<String, Boolean> declared = new HashMap<>();
        for (int i = 0; i < tree.size(); i++) {
            String path = prefix + "[" + i + "].";
            result.add(toNewJob(SubmitRequest.read(tree.get(i), path, violations), path, violations, declared));
        }
        throwIfInvalid(violations);
        return new BatchRequest(result, callbackUrl);
    }

    /**
     * Validates a schedule's job template (README "Schedules"): a submission without {@code runAt}
     * (its ticks say when), its fields named under {@code path} ({@code job.input.rounds}).
     */
    public NewJob validateTemplate(JsonNode template, String path, Violations violations) {
        if (template != null && template.has("runAt")) {
            violations.add(path + "runAt", "a scheduled job runs at its schedule's ticks");
        }
        if (template != null && template.has("priority")) {
            violations.add(path + "priority", "a scheduled job runs at priority 0");
        }
        if (template != null && template.has("callbackUrl")) {
            violations.add(path + "callbackUrl", "a scheduled job has no callback");
        }
        return toNewJob(SubmitRequest.read(template, path, violations), path, violations, new HashMap<>());
    }

    /**
     * Inserts one job and returns its view, or the view of the job that already holds its
     * idempotency key (the same request repeated); the key with another body is a {@code 422}.
     */
    public JobView insert(String tenant, NewJob job) {
        JobCommands.Inserted inserted =
                group.insert(JobCommands.Submitted.now(tenant, job)).orElse(null);
        if (inserted != null) {
            submitted(job);
            return JobView.queued(job, inserted, null);
        }
        JobCommands.Existing existing = commands.existing(tenant, job.idempotencyKey())
                .orElseThrow(() -> new IllegalStateException("idempotency conflict without a row"));
        if (!Objects.equals(existing.requestHash(), job.requestHash())) {
            throw new ProblemException(Problem.of(
                    "idempotency-key-reused",
                    "Idempotency-Key reused",
                    422,
                    "this Idempotency-Key was used for job " + existing.id() + " with a different request body"));
        }
        return JobView.of(Job.<Job>findById(existing.id()));
    }

    /** A batch submit's answer: the new batch's id and its jobs' views, in the order submitted. */
    public record Batch(UUID id, List<JobView> jobs) {}

    /**
     * Inserts jobs without idempotency keys in ONE statement, as one new batch (README "Batches"):
     * all are accepted or none.
     */
    public Batch insertBatch(String tenant, BatchRequest request) {
        List<NewJob> jobs = request.jobs();
        UUID batch = UUID.randomUUID();
        Map<UUID, JobCommands.Inserted> inserted = commands.insert(tenant, jobs, batch, request.callbackUrl());
        jobs.forEach(this::submitted);
        return new Batch(
                batch,
                jobs.stream()
                        .map(j -> JobView.queued(j, inserted.get(j.id()), batch))
                        .toList());
    }

    /** Counts a committed new job (a repeat of an idempotent submit is not one). */
    private void submitted(NewJob job) {
        Counter.builder("forkyard.jobs.submitted")
                .description("Jobs accepted (committed), by job type")
                .tag("type", job.type())
                .register(registry)
                .increment();
    }

    /** {@code declared}: the queues this request named so far, and whether each is declared. */
    private NewJob toNewJob(SubmitRequest request, String path, Violations violations, Map<String, Boolean> declared) {
        if (request.type() == null) {
            return null;
        }
        JobType type = catalogue.find(request.type()).orElse(null);
        if (type == null) {
            violations.add(
                    path + "type",
                    "unknown job type '" + request.type() + "'; known: " + String.join(", ", catalogue.names()));
            return null;
        }
        Violations inputViolations = new Violations();
        inputViolations.requireStorableText(request.input(), "input");
        type.validate(request.input(), inputViolations);
        if (type.name().equals(ExecType.NAME) && inputViolations.list().isEmpty()) {
            undeclaredProgram(execPrograms, request.input().path("program").textValue())
                    .ifPresent(why -> inputViolations.add("input.program", why));
        }
        inputViolations.list().forEach(v -> violations.add(path + v.field(), v.message()));

        long maxTimeout = config.maxTimeout().toSeconds();
        int timeout = request.timeoutSeconds() != null
                ? request.timeoutSeconds()
                : (int) Math.min(type.defaultTimeout().toSeconds(), maxTimeout);
        if (timeout > maxTimeout) {
            violations.add(path + "timeoutSeconds", "must be at most " + maxTimeout);
        }
        int attempts = request.maxAttempts() != null ? request.maxAttempts() : type.defaultMaxAttempts();
        if (attempts > config.maxAttempts()) {
            violations.add(path + "maxAttempts", "must be at most " + config.maxAttempts());
        }
        if (request.callbackUrl() != null) {
            callbacks.refusal(request.callbackUrl()).ifPresent(why -> violations.add(path + "callbackUrl", why));
        }
        String queue = request.queue() != null ? request.queue() : config.defaultQueue();
        if (!declared.computeIfAbsent(queue, queues::isDeclared)) {
            violations.add(
                    path + "queue", "queue '" + queue + "' is not declared; GET /api/queues lists the declared queues");
        }
        return new NewJob(
                UUID.randomUUID(),
                type.name(),
                queue,
                request.input().toString(),
                attempts,
                timeout,
                request.runAt(),
                null,
                null,
                request.priority(),
                request.callbackUrl());
    }

    /**
     * Why an {@code exec} job may not name {@code program}: only a program the operator declared
     * ({@code forkyard.web.submit.exec-programs}) may run, as only a declared queue takes jobs,
     * named as the workers' allow-lists are ({@link ExecType#names}; they check their own lists
     * again before anything runs). Empty when it may.
     */
    static Optional<String> undeclaredProgram(List<String> declared, String program) {
        if (declared.stream().anyMatch(entry -> ExecType.names(program, entry))) {
            return Optional.empty();
        }
        return Optional.of(
                declared.isEmpty()
                        ? "no program is declared for exec jobs (forkyard.web.submit.exec-programs is empty)"
                        : "'" + program + "' is not a declared program; declared: " + String.join(", ", declared));
    }

    /**
     * A request body as JSON: {@code 400} ({@code malformed-json}) when empty or not JSON, {@code
     * 413} beyond {@code max-body-bytes}.
     */
    public JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw new ProblemException(
                    Problem.of("malformed-json", "Malformed JSON", 400, "the request body is empty"));
        }
        if (body.length > config.maxBodyBytes()) {
            throw new ProblemException(Problem.of(
                    "body-too-large",
                    "Request body too large",
                    413,
                    "the body has " + body.length + " bytes; the limit is " + config.maxBodyBytes()));
        }
        try {
            JsonNode tree = Json.MAPPER.readTree(body);
            if (tree == null || tree.isMissingNode()) {
                throw new IOException("no JSON value");
            }
            return tree;
        } catch (IOException e) {
            String reason = e.getMessage() == null
                    ? ""
                    : e.getMessage().lines().findFirst().orElse("");
            throw new ProblemException(Problem.of(
                    "malformed-json", "Malformed JSON", 400, "the request body is not valid JSON: " + reason));
        }
    }

    private static void throwIfInvalid(Violations violations) {
        if (violations.isEmpty()) {
            return;
        }
        boolean unknownType =
                violations.list().stream().anyMatch(v -> v.message().startsWith("unknown job type"));
        throw new ProblemException(
                unknownType
                        ? Problem.of(
                                "unknown-job-type", "Unknown job type", 422, violations.summary(), violations.list())
                        : Problem.of("invalid-job", "Invalid job", 422, violations.summary(), violations.list()));
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
