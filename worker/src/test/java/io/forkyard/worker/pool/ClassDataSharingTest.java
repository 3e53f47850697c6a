package io.forkyard.worker.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.messaging.Json;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassDataSharingTest {

    /**
     * An archive that no longer matches the children's classpath (a rebuild under a running worker,
     * a redeploy in place, another classpath) makes the JVM warn at start. The warning must not land
     * on the protocol stream: children start without the archive and serve jobs.
     */
    @Test
    void childrenStillStartWhenTheirArchiveDoesNotMatchTheirClasspath(@TempDir Path dir) throws Exception {
        // An archive recorded by a program from another jar: its classpath is not the children's.
        String entry = Exit.class.getName().replace('.', '/') + ".class";
        Path jar = dir.resolve("other.jar");
        try (OutputStream out = Files.newOutputStream(jar);
                JarOutputStream entries = new JarOutputStream(out);
                InputStream bytes = Exit.class.getClassLoader().getResourceAsStream(entry)) {
            entries.putNextEntry(new ZipEntry(entry));
            bytes.transferTo(entries);
        }
        Path archive = dir.resolve("other.jsa");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process recording = new ProcessBuilder(
                        java, "-XX:ArchiveClassesAtExit=" + archive, "-cp", jar.toString(), Exit.class.getName())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(recording.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(archive).exists();
        String marker = "cdstest-" + UUID.randomUUID();
        ChildLauncher launcher =
                ChildLauncher.javaChild("64m", List.of("-XX:SharedArchiveFile=" + archive), marker, List.of(), false);

        ChildPool pool = new ChildPool(launcher, TestPools.settings(1, 100)).start();
        try {
            ChildOutcome outcome = TestPools.run(pool, "noop", Json.MAPPER.readTree("{}"), Duration.ofSeconds(10));

            assertThat(outcome).isInstanceOf(ChildOutcome.Success.class);
            assertThat(pool.evictions()).isEmpty();
        } finally {
            TestPools.close(pool, marker);
        }
    }

    /** The program of the foreign archive: it only has to load from its jar and exit. */
    public static final class Exit {
        public static void main(String[] args) {}
    }
}
