package io.forkyard.web.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.job.JobRepository;
import io.forkyard.job.JobRepository.NewJob;
import io.forkyard.jobtype.JobType;
import io.forkyard.jobtype.JobTypeCatalogue;
import io.forkyard.jobtype.Violations;
import io.forkyard.messaging.Json;
import io.forkyard.web.WebConfig;
import io.forkyard.web.problem.Problem;
import io.forkyard.web.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * Turns request bodies into committed QUEUED jobs: parse, validate against the job type, then
 * insert in one transaction. Anything invalid throws a {@link ProblemException} before the
 * transaction writes a row, so a bad request changes nothing.
 */
@ApplicationScoped
public class JobSubmission {

    @Inject
    JobRepository jobs;

    @Inject
    WebConfig config;

    private JobTypeCatalogue catalogue;

    @jakarta.annotation.PostConstruct
    void init() {
        catalogue =
                JobTypeCatalogue.instance().withExternal(config.externalTypes().orElse(List.of()));
    }

    /** Parses and validates one submission body. */
    public NewJob validate(byte[] body, String tenant, String idempotencyKey) {
        JsonNode tree = parse(body);
        Violations violations = new Violations();
        NewJob job = toNewJob(SubmitRequest.read(tree, "", violations), "", tenant, violations);
        throwIfInvalid(violations);
        String hash = idempotencyKey == null ? null : sha256Hex(Json.toBytes(tree));
        return new NewJob(
                job.id(),
                tenant,
                job.type(),
                job.queue(),
                job.inputJson(),
                job.maxAttempts(),
                job.timeoutSeconds(),
                job.runAt(),
                idempotencyKey,
                hash);
    }

    /** Parses and validates a batch body: a JSON array of submissions. */
    public List<NewJob> validateBatch(byte[] body, String tenant) {
        JsonNode tree = parse(body);
        Violations violations = new Violations();
        if (!tree.isArray() || tree.isEmpty()) {
            violations.add("body", "must be a non-empty JSON array of jobs");
            throwIfInvalid(violations);
        }
        if (tree.size() > config.dispatcher().batchSize() * 10) {
            violations.add("body", "at most " + config.dispatcher().batchSize() * 10 + " jobs per batch");
            throwIfInvalid(violations);
        }
        List<NewJob> result = new ArrayList<>();
        for (int i = 0; i < tree.size(); i++) {
            String path = "[" + i + "].";
            result.add(toNewJob(SubmitRequest.read(tree.get(i), path, violations), path, tenant, violations));
        }
        throwIfInvalid(violations);
        return result;
    }

    /** Inserts validated jobs in ONE transaction; returns their ids (existing ones for repeated keys). */
    @Transactional
    public List<UUID> insert(List<NewJob> newJobs) {
        List<UUID> ids = new ArrayList<>(newJobs.size());
        for (NewJob job : newJobs) {
            ids.add(jobs.insertQueued(job));
        }
        return ids;
    }

    private NewJob toNewJob(SubmitRequest request, String path, String tenant, Violations violations) {
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
        type.validate(request.input(), inputViolations);
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
        String queue = request.queue() != null ? request.queue() : config.defaultQueue();
        return new NewJob(
                UUID.randomUUID(),
                tenant,
                type.name(),
                queue,
                request.input().toString(),
                attempts,
                timeout,
                request.runAt(),
                null,
                null);
    }

    private JsonNode parse(byte[] body) {
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
