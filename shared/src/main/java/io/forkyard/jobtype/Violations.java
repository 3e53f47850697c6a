package io.forkyard.jobtype;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The problems found in one submission, each naming the offending field ({@code input.rounds}). */
public final class Violations {

    /** One problem with one field. */
    public record Violation(String field, String message) {}

    private final List<Violation> list = new ArrayList<>();

    public void add(String field, String message) {
        list.add(new Violation(field, message));
    }

    public boolean isEmpty() {
        return list.isEmpty();
    }

    public List<Violation> list() {
        return List.copyOf(list);
    }

    /** One line for logs and error messages: {@code input.rounds: must be ≥ 1; ...}. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        for (Violation v : list) {
            if (!s.isEmpty()) {
                s.append("; ");
            }
            s.append(v.field()).append(": ").append(v.message());
        }
        return s.toString();
    }

    /**
     * Adds a violation for every string (value or field name) under {@code node} that PostgreSQL's
     * JSON can't hold as sent: one with the NUL character U+0000 (the job would fail at the first
     * write; bytes belong in a base64 string), or with a lone UTF-16 surrogate (U+D800 to U+DFFF
     * without its pair: not a character, it would be stored as another one, and the job
     * would work on other bytes than the client sent).
     */
    public void requireStorableText(JsonNode node, String path) {
        if (node == null) {
            return;
        }
        if (node.isTextual()) {
            String problem = unstorable(node.textValue());
            if (problem != null) {
                add(path, "must not contain " + problem);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                requireStorableText(node.get(i), path + "[" + i + "]");
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String name = field.getKey();
                String problem = unstorable(name);
                if (problem != null) {
                    add(path, "field names must not contain " + problem);
                } else {
                    requireStorableText(field.getValue(), path + "." + name);
                }
            }
        }
    }

    /** What in {@code text} PostgreSQL's JSON can't hold as sent, said for the client; null: nothing. */
    private static String unstorable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                return "the NUL character (U+0000): jobs are stored as JSON text, which can't hold it;"
                        + " send binary data as base64";
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++; // a pair: one character beyond U+FFFF
            } else if (Character.isSurrogate(c)) {
                return String.format(
                        "a lone UTF-16 surrogate (\\u%04x at character %d): it is half of a character's escape,"
                                + " and would be stored as another character",
                        (int) c, i);
            }
        }
        return null;
    }

    /** Requires {@code input} to be a JSON object; returns whether it is. */
    public boolean requireObject(JsonNode input) {
        if (input == null || !input.isObject()) {
            add("input", "must be a JSON object");
            return false;
        }
        return true;
    }

    /** Requires an integer field within bounds; returns its value or {@code null} when invalid. */
    public Long requireLong(JsonNode input, String name, long min, long max) {
        return requireLong(input, "input", name, min, max);
    }

    /**
     * Requires an integer field of a nested object, named in violations as {@code path.name}
     * ({@code input.operations[2].width}); returns its value or {@code null} when invalid.
     */
    public Long requireLong(JsonNode object, String path, String name, long min, long max) {
        String field = path + "." + name;
        JsonNode node = object.get(name);
        if (node == null || node.isNull()) {
            add(field, "is required");
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            add(field, "must be an integer");
            return null;
        }
        long value = node.asLong();
        if (value < min || value > max) {
            add(field, "must be between " + min + " and " + max + ", was " + value);
            return null;
        }
        return value;
    }

    /** Requires a non-empty string field no longer than {@code maxLength}; returns it or null. */
    public String requireString(JsonNode input, String name, int maxLength) {
        JsonNode node = input.get(name);
        if (node == null || node.isNull()) {
            add("input." + name, "is required");
            return null;
        }
        if (!node.isTextual()) {
            add("input." + name, "must be a string");
            return null;
        }
        String value = node.asText();
        if (value.length() > maxLength) {
            add("input." + name, "must be at most " + maxLength + " characters");
            return null;
        }
        return value;
    }
}
