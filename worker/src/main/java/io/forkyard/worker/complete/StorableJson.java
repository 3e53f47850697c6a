package io.forkyard.worker.complete;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A child's result made storable in PostgreSQL's {@code jsonb}, losslessly: {@code jsonb} refuses
 * the character U+0000, which JSON allows, so every string that holds it becomes an object {@code
 * {"$base64": "..."}} holding the string's UTF-8 bytes. Everything else is kept as it is. (An
 * object key holding U+0000 is left alone: the database refuses it, and the job fails with
 * {@code OUTCOME_REJECTED}.)
 */
public final class StorableJson {

    /** The one field of the object that stands for a string {@code jsonb} can't hold. */
    public static final String BASE64_FIELD = "$base64";

    private StorableJson() {}

    /** {@code node}, or a copy with every string holding U+0000 replaced; never modifies it. */
    public static JsonNode of(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isTextual()) {
            String text = node.textValue();
            return text.indexOf('\u0000') < 0 ? node : encoded(text);
        }
        if (node.isObject()) {
            ObjectNode copy = null;
            for (Map.Entry<String, JsonNode> field : List.copyOf(node.properties())) {
                JsonNode value = of(field.getValue());
                if (value != field.getValue()) {
                    copy = copy == null ? ((ObjectNode) node).deepCopy() : copy;
                    copy.set(field.getKey(), value);
                }
            }
            return copy == null ? node : copy;
        }
        if (node.isArray()) {
            ArrayNode copy = null;
            for (int i = 0; i < node.size(); i++) {
                JsonNode value = of(node.get(i));
                if (value != node.get(i)) {
                    copy = copy == null ? ((ArrayNode) node).deepCopy() : copy;
                    copy.set(i, value);
                }
            }
            return copy == null ? node : copy;
        }
        return node;
    }

    private static ObjectNode encoded(String text) {
        ObjectNode object = JsonNodeFactory.instance.objectNode();
        object.put(BASE64_FIELD, Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)));
        return object;
    }
}
