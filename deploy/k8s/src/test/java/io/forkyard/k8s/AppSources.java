package io.forkyard.k8s;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the manifests must agree with, read from the apps' sources as text (this module does not
 * depend on the apps): their configuration keys and defaults, their Dockerfiles, topic names and a
 * few constants.
 */
final class AppSources {

    private static final Pattern INTERFACE = Pattern.compile("\\binterface\\s+(\\w+)[^{]*\\{");
    private static final Pattern METHOD = Pattern.compile("^\\s*([\\w.<>, ?]+?)\\s+(\\w+)\\(\\);\\s*$");
    private static final Pattern WITH_DEFAULT = Pattern.compile("@WithDefault\\(\"(.*)\"\\)");

    private AppSources() {}

    /** One of the two deployables, and where its sources are. */
    enum App {
        WEB("web", "web-frontend", "web-frontend/src/main/java/io/forkyard/web/WebConfig.java"),
        WORKER("worker", "worker", "worker/src/main/java/io/forkyard/worker/WorkerConfig.java");

        final String component;
        final String module;
        final String configInterface;

        App(String component, String module, String configInterface) {
            this.component = component;
            this.module = module;
            this.configInterface = configInterface;
        }

        static App ofComponent(String component) {
            for (App app : values()) {
                if (app.component.equals(component)) {
                    return app;
                }
            }
            throw new AssertionError("no app for component " + component);
        }

        /** Every configuration key the app reads, with its value or default (null: none). */
        Map<String, String> settings() {
            Map<String, String> settings = new LinkedHashMap<>(configMapping(text(configInterface)));
            settings.putAll(applicationProperties(module));
            return settings;
        }

        Dockerfile dockerfile() {
            return Dockerfile.parse(text(module + "/src/main/docker/Dockerfile.jvm"));
        }
    }

    /** The build command, user and port a Dockerfile.jvm declares. */
    record Dockerfile(String imageName, String user, int exposedPort, String text) {

        static Dockerfile parse(String text) {
            return new Dockerfile(
                    group(text, "docker build .* -t (\\S+)"),
                    lastGroup(text, "(?m)^USER (\\S+)\\s*$"),
                    Integer.parseInt(group(text, "(?m)^EXPOSE (\\d+)")),
                    text);
        }
    }

    private static final Pattern RESOURCE_PATH = Pattern.compile("(?m)^@Path\\(\"(/[^\"]*)\"\\)");

    /**
     * The paths the web tier serves to people and programs: the first segment of every resource
     * class's {@code @Path} ({@code /} for the home page), and of its static files.
     */
    static List<String> webRoots() {
        TreeSet<String> roots = new TreeSet<>();
        Path sources = Kustomize.root().resolve("web-frontend/src/main/java");
        Path statics = Kustomize.root().resolve("web-frontend/src/main/resources/META-INF/resources");
        try (var files = Files.walk(sources);
                var staticFiles = Files.list(statics)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = RESOURCE_PATH.matcher(Files.readString(file));
                while (m.find()) {
                    String[] segments = m.group(1).split("/");
                    roots.add(segments.length < 2 ? "/" : "/" + segments[1]);
                }
            }
            staticFiles.forEach(f -> roots.add("/" + f.getFileName()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(roots);
    }

    /** A file of the repository, as text. */
    static String text(String path) {
        try {
            return Files.readString(Kustomize.root().resolve(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The application.properties of a module: keys of the default profile and of %prod. */
    static Map<String, String> applicationProperties(String module) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(text(module + "/src/main/resources/application.properties")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> settings = new LinkedHashMap<>();
        properties.stringPropertyNames().stream()
                .filter(k -> !k.startsWith("%"))
                .forEach(k -> settings.put(k, properties.getProperty(k)));
        properties.stringPropertyNames().stream()
                .filter(k -> k.startsWith("%prod."))
                .forEach(k -> settings.put(k.substring("%prod.".length()), properties.getProperty(k)));
        return settings;
    }

    /**
     * The keys of a {@code @ConfigMapping} interface (prefix, then each method in kebab case, nested
     * interfaces as groups), each with its {@code @WithDefault} or null. Map-valued groups (named
     * entries such as external types) have no fixed keys and are left out.
     */
    static Map<String, String> configMapping(String source) {
        String prefix = group(source, "@ConfigMapping\\(prefix = \"([^\"]+)\"\\)");
        Map<String, String> bodies = interfaceBodies(source);
        String top = group(source, "@ConfigMapping\\([^)]*\\)\\s*public\\s+interface\\s+(\\w+)");
        Map<String, String> keys = new LinkedHashMap<>();
        collect(prefix, bodies.get(top), bodies, keys);
        return keys;
    }

    private static void collect(String prefix, String body, Map<String, String> bodies, Map<String, String> keys) {
        String pendingDefault = null;
        for (String line : withoutNestedInterfaces(body).split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("*") || trimmed.startsWith("/")) {
                continue;
            }
            Matcher withDefault = WITH_DEFAULT.matcher(trimmed);
            if (withDefault.find()) {
                pendingDefault = withDefault.group(1);
                continue;
            }
            Matcher method = METHOD.matcher(line);
            if (method.matches()) {
                String type = method.group(1).trim();
                String key = prefix + "." + kebab(method.group(2));
                if (bodies.containsKey(type)) {
                    collect(key, bodies.get(type), bodies, keys);
                } else if (!type.startsWith("Map<")) {
                    keys.put(key, pendingDefault);
                }
                pendingDefault = null;
            }
        }
    }

    /** Each interface's body (between its braces), by name. */
    private static Map<String, String> interfaceBodies(String source) {
        Map<String, String> bodies = new LinkedHashMap<>();
        Matcher m = INTERFACE.matcher(source);
        while (m.find()) {
            bodies.put(m.group(1), source.substring(m.end(), closingBrace(source, m.end() - 1)));
        }
        return bodies;
    }

    private static String withoutNestedInterfaces(String body) {
        StringBuilder out = new StringBuilder();
        int from = 0;
        Matcher m = INTERFACE.matcher(body);
        while (m.find(from)) {
            out.append(body, from, m.start());
            from = closingBrace(body, m.end() - 1) + 1;
        }
        return out.append(body.substring(from)).toString();
    }

    private static int closingBrace(String text, int open) {
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unbalanced braces");
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** The environment variable that sets a configuration key (SmallRye Config's rule). */
    static String envName(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    /** A Quarkus duration: ISO-8601 ({@code PT30S}), a number of seconds, or {@code 60S} / {@code 500MS}. */
    static Duration duration(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        if (v.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        if (v.endsWith("MS") && !v.startsWith("P")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        return Duration.parse(v.startsWith("P") ? v : (v.endsWith("D") ? "P" : "PT") + v);
    }

    /** A topic name as Topics.java builds it: the literal that method appends to the prefix. */
    static String topicSuffix(String method) {
        return group(
                text("shared/src/main/java/io/forkyard/messaging/Topics.java"),
                "static String " + method + "\\([^)]*\\) \\{\\s*return prefix \\+ \"([^\"]+)\"");
    }

    /** What a queue's urgent topic adds to the queue's topic name ({@code Topics.URGENT_SUFFIX}). */
    static String urgentSuffix() {
        return group(text("shared/src/main/java/io/forkyard/messaging/Topics.java"), "URGENT_SUFFIX = \"([^\"]+)\"");
    }

    /** The columns of a table, from every migration that creates or alters it. */
    static List<String> columns(String table) {
        List<String> columns = new ArrayList<>();
        Path migrations = Kustomize.root().resolve("shared/src/main/resources/db/migration");
        try (var files = Files.list(migrations)) {
            for (Path file : files.sorted().toList()) {
                String sql = Files.readString(file);
                Matcher create = Pattern.compile("(?s)CREATE TABLE " + table + " \\((.*?)\\n\\);")
                        .matcher(sql);
                if (create.find()) {
                    Matcher column = Pattern.compile("(?m)^\\s+(\\w+)\\s+\\w").matcher(create.group(1));
                    while (column.find()) {
                        columns.add(column.group(1));
                    }
                }
                Matcher added = Pattern.compile("ALTER TABLE " + table + " ADD COLUMN (\\w+)")
                        .matcher(sql);
                while (added.find()) {
                    columns.add(added.group(1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return columns;
    }

    /** The first group of the first match of {@code regex}. */
    static String group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new AssertionError("no match for /" + regex + "/");
        }
        return m.group(1);
    }

    /** The first group of the last match of {@code regex}. */
    static String lastGroup(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        if (last == null) {
            throw new AssertionError("no match for /" + regex + "/");
        }
        return last;
    }
}
