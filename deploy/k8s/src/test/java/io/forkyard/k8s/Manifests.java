package io.forkyard.k8s;

import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The objects one overlay renders, with look-ups by kind and name. */
record Manifests(String overlay, List<ObjectNode> objects) {

    List<ObjectNode> ofKind(String kind) {
        return objects.stream()
                .filter(o -> kind.equals(o.path("kind").asString()))
                .toList();
    }

    Optional<ObjectNode> find(String kind, String name) {
        return ofKind(kind).stream()
                .filter(o -> name.equals(o.path("metadata").path("name").asString()))
                .findFirst();
    }

    ObjectNode one(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError(overlay + ": no " + kind + " named " + name));
    }

    /** A deep copy, for tests that break an object on purpose. */
    Manifests copy() {
        return new Manifests(overlay, objects.stream().map(ObjectNode::deepCopy).toList());
    }

    /** "Kind/name" of an object, for messages. */
    static String id(JsonNode object) {
        return object.path("kind").asString() + "/"
                + object.path("metadata").path("name").asString();
    }
}
