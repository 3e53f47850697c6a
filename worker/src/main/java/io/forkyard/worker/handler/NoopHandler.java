package io.forkyard.worker.handler;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.jobtype.NoopType;
import io.forkyard.messaging.Json;
import io.forkyard.worker.child.ChildHandler;

/** {@code noop}: returns {@code {}}; measures the cost of everything around a job. */
public final class NoopHandler implements ChildHandler {

    @Override
    public String type() {
        return NoopType.NAME;
    }

    @Override
    public JsonNode handle(JsonNode input, Progress progress) {
        return Json.MAPPER.createObjectNode();
    }
}
