package io.forkyard.web.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every problem the web tier's code answers with is in the catalogue ({@link ProblemType}) with the
 * same title and status: a new {@code Problem.of("slug", "Title", status, ...)} without its entry
 * fails here. Reads the module's sources, as a reviewer would.
 */
class ProblemCatalogueTest {

    private static final Pattern PROBLEM_OF =
            Pattern.compile("Problem\\.of\\(\\s*\"([^\"]+)\"\\s*,\\s*\"([^\"]+)\"\\s*,\\s*(\\d{3})");
    private static final Pattern ANY_PROBLEM_OF = Pattern.compile("Problem\\.of\\(");

    @Test
    void everyProblemTheCodeAnswersWithIsInTheCatalogue() throws IOException {
        List<String> missing = new ArrayList<>();
        int found = 0;
        for (Path source : sources()) {
            String text = Files.readString(source);
            Matcher m = PROBLEM_OF.matcher(text);
            int literal = 0;
            while (m.find()) {
                literal++;
                found++;
                String slug = m.group(1);
                String where = source.getFileName() + ": " + slug;
                ProblemType type = ProblemType.bySlug(slug).orElse(null);
                if (type == null) {
                    missing.add(where + " is not in ProblemType");
                } else if (!type.title().equals(m.group(2)) || type.status() != Integer.parseInt(m.group(3))) {
                    missing.add(where + " answers " + m.group(3) + " \"" + m.group(2) + "\", the catalogue says "
                            + type.status() + " \"" + type.title() + "\"");
                }
            }
            long calls = ANY_PROBLEM_OF.matcher(text).results().count();
            if (!source.endsWith(Path.of("problem", "Problem.java"))) {
                assertThat(calls)
                        .as(source + ": every Problem.of(...) names its slug, title and status as literals,"
                                + " so this test can check them")
                        .isEqualTo(literal);
            }
        }
        assertThat(found).as("Problem.of calls found").isGreaterThan(10);
        assertThat(missing).isEmpty();
    }

    @Test
    void slugsAreUniqueAndEveryEntryIsDescribed() {
        assertThat(Stream.of(ProblemType.values()).map(ProblemType::slug)).doesNotHaveDuplicates();
        for (ProblemType t : ProblemType.values()) {
            assertThat(t.slug()).matches("[a-z0-9]+(-[a-z0-9]+)*");
            assertThat(t.status()).isBetween(400, 599);
            assertThat(t.description()).hasSizeGreaterThan(20);
        }
    }

    private static List<Path> sources() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
            return files.filter(p -> p.toString().endsWith(".java")).toList();
        }
    }
}
