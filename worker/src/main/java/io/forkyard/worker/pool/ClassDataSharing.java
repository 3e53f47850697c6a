package io.forkyard.worker.pool;

import io.forkyard.worker.child.ChildMain;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * An application class-data sharing archive for child JVMs (JDK 13+ dynamic archives), so a new
 * child maps the protocol, Jackson and handler classes instead of loading and verifying them.
 *
 * <p>The archive is recorded once by a training run of {@link ChildMain} and kept in {@code
 * java.io.tmpdir/forkyard-cds/}, named by a hash of the JVM and of every classpath entry's path,
 * size and modification time, so a rebuild or another JDK gets its own. Writers race safely (write
 * to a temporary name, then rename). Any failure only costs the speed-up: children then start
 * without the archive, and {@code -Xshare:auto} ignores an archive the JVM can't use (say, one whose
 * jar was replaced under a running worker); the JVM's warning about it goes to stderr, never to the
 * protocol stream.
 */
final class ClassDataSharing {

    private static final Logger LOG = Logger.getLogger(ClassDataSharing.class);

    private ClassDataSharing() {}

    /** JVM options that use (recording first if needed) the archive for this classpath; may be empty. */
    static List<String> options(String java, String classpath, List<String> jvmOptions) {
        try {
            Path archive = archivePath(java, classpath, jvmOptions);
            if (!Files.exists(archive) && !record(java, classpath, jvmOptions, archive)) {
                return List.of();
            }
            return List.of("-XX:SharedArchiveFile=" + archive);
        } catch (Exception e) {
            LOG.debugf("no CDS archive for children: %s", e.toString());
            return List.of();
        }
    }

    private static boolean record(String java, String classpath, List<String> jvmOptions, Path archive)
            throws IOException, InterruptedException {
        Files.createDirectories(archive.getParent());
        Path temporary = archive.resolveSibling(
                archive.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        command.add("-XX:ArchiveClassesAtExit=" + temporary);
        command.addAll(List.of("-cp", classpath, ChildMain.class.getName(), ChildMain.CDS_TRAINING));
        Process training = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!training.waitFor(60, TimeUnit.SECONDS) || training.exitValue() != 0 || !Files.exists(temporary)) {
            training.destroyForcibly();
            Files.deleteIfExists(temporary);
            LOG.infof("could not record a CDS archive for children; they start without one");
            return false;
        }
        Files.move(temporary, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        LOG.infof("recorded a CDS archive for children: %s", archive);
        return true;
    }

    private static Path archivePath(String java, String classpath, List<String> jvmOptions) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        digest.update((java + '\0' + System.getProperty("java.vm.version") + '\0' + jvmOptions)
                .getBytes(StandardCharsets.UTF_8));
        for (String entry : classpath.split(File.pathSeparator)) {
            Path p = Path.of(entry);
            digest.update((entry
                            + '\0'
                            + Files.size(p)
                            + '\0'
                            + Files.getLastModifiedTime(p).toMillis())
                    .getBytes(StandardCharsets.UTF_8));
        }
        String name = "child-" + HexFormat.of().formatHex(digest.digest()).substring(0, 24) + ".jsa";
        return Path.of(System.getProperty("java.io.tmpdir"), "forkyard-cds", name);
    }
}
