package io.forkyard.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A program for {@code exec} jobs that crashes the child running it: it SIGKILLs its parent (the
 * child JVM that started it), then sleeps until the worker kills it with the child's process tree.
 * With {@code --unless-exists FILE} it does so only while FILE is missing; once FILE exists it
 * prints a line and exits 0.
 *
 * <p>It runs on the JDK the tests run on ({@link #java()}), so the tests need no other interpreter.
 */
public final class ParentKiller {

    private ParentKiller() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--unless-exists") && Files.exists(Path.of(args[1]))) {
            System.out.println("spared: " + args[1] + " exists");
            return;
        }
        ProcessHandle.current().parent().orElseThrow().destroyForcibly();
        Thread.sleep(5_000);
    }

    /** The java executable that {@code exec} jobs must be allowed to run for this program. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * The {@code args} of an {@code exec} job of {@link #java()} that runs this program, as a JSON
     * array; {@code own} are this program's own arguments. They start with {@code -}, so the
     * worker must allow options ({@code exec.allow-options}).
     */
    static String argsJson(String... own) throws Exception {
        String classes = Path.of(ParentKiller.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .toString();
        List<String> args = new ArrayList<>(List.of(
                "-Xmx32m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                classes,
                ParentKiller.class.getName()));
        args.addAll(List.of(own));
        return new ObjectMapper().writeValueAsString(args);
    }
}
