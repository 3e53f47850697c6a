package io.forkyard.web.event;

/** A job event and its JSON, serialized once for every stream that sends it. */
record Delivery(JobEvent event, String json) {}
