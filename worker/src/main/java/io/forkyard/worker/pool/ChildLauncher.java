package io.forkyard.worker.pool;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.forkyard.protocol.Frame;
import io.forkyard.worker.child.ChildMain;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How to start one child: the command as an argument array (never a shell), a scrubbed
 * environment with nothing of the worker's (no datasource, Kafka or other secrets), and its own
 * session and process group where {@code setsid} exists. Every child carries a marker argument
 * ({@code --forkyard-child=MARKER}) so that its processes can be counted and found.
 */
public final class ChildLauncher {

    /** The argument that marks a Forkyard child on its command line. */
    public static final String MARKER_ARG = "--forkyard-child=";

    private final List<String> command;
    private final boolean ownGroup;

    private ChildLauncher(List<String> command) {
        this.ownGroup = ProcessTree.canIsolateGroups();
        List<String> full = new ArrayList<>();
        if (ownGroup) {
            full.add(ProcessTree.SETSID.toString());
        }
        full.addAll(command);
        this.command = List.copyOf(full);
    }

    /** A child JVM running {@link ChildMain} with a small heap and serial GC. */
    public static ChildLauncher javaChild(String heap, List<String> extraJvmOptions, String marker) {
        return javaChild(heap, extraJvmOptions, marker, List.of());
    }

    /**
     * A child JVM whose classpath also has {@code extraClasspath}: jars or folders with more
     * {@link io.forkyard.worker.child.ChildHandler}s, found through their service files.
     */
    public static ChildLauncher javaChild(
            String heap, List<String> extraJvmOptions, String marker, List<Path> extraClasspath) {
        return javaChild(heap, extraJvmOptions, marker, extraClasspath, true);
    }

    /** As above; {@code classDataSharing} records and uses an AppCDS archive ({@link ClassDataSharing}). */
    public static ChildLauncher javaChild(
            String heap,
            List<String> extraJvmOptions,
            String marker,
            List<Path> extraClasspath,
            boolean classDataSharing) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> jvmOptions = new ArrayList<>(List.of(
                "-Xmx" + heap,
                "-Xss1m",
                "-XX:+UseSerialGC",
                "-XX:+ExitOnOutOfMemoryError",
                "-XX:-UsePerfData",
                "-Xshare:auto",
                // The JVM's own warnings (e.g. a class-data archive it can't use) go to stdout by
                // default, where they would break the protocol and fail every child start.
                "-Xlog:disable",
                "-Xlog:all=warning:stderr"));
        jvmOptions.addAll(extraJvmOptions);
        List<String> classpathEntries = new ArrayList<>(List.of(childClasspath()));
        extraClasspath.forEach(
                entry -> classpathEntries.add(entry.toAbsolutePath().toString()));
        String classpath = String.join(File.pathSeparator, classpathEntries);

        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        if (classDataSharing) {
            command.addAll(ClassDataSharing.options(java, classpath, jvmOptions));
        }
        command.addAll(List.of("-cp", classpath, ChildMain.class.getName(), MARKER_ARG + marker));
        return new ChildLauncher(command);
    }

    /** Any executable that speaks the protocol, in any language; {@code marker} is appended. */
    public static ChildLauncher executable(List<String> command, String marker) {
        List<String> full = new ArrayList<>(command);
        full.add(MARKER_ARG + marker);
        return new ChildLauncher(full);
    }

    boolean ownGroup() {
        return ownGroup;
    }

    ProcessBuilder processBuilder() {
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        String tmp = System.getProperty("java.io.tmpdir");
        env.clear();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("LANG", "C.UTF-8");
        env.put("HOME", tmp);
        env.put("TMPDIR", tmp);
        return builder;
    }

    /**
     * The jars (or class folders) the child needs: this module's, the shared module's, and
     * Jackson's, found from where their classes were loaded. Works the same from a packaged
     * application and from the build's class folders in tests.
     */
    static String childClasspath() {
        Set<String> entries = new LinkedHashSet<>();
        for (Class<?> c : List.of(
                ChildMain.class,
                Frame.class,
                ObjectMapper.class,
                JsonFactory.class,
                JsonInclude.class,
                JavaTimeModule.class)) {
            entries.add(location(c));
        }
        return String.join(File.pathSeparator, entries);
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("cannot locate the classes of " + c.getName() + " for the child", e);
        }
    }
}
