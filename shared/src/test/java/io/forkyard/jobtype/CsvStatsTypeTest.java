package io.forkyard.jobtype;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.forkyard.messaging.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvStatsTypeTest {

    private final JobType csvStats =
            JobTypeCatalogue.instance().find("csv-stats").orElseThrow();

    @Test
    void aCsvWithAHeaderIsValidAndRunsInAChild() throws Exception {
        assertThat(fields("{\"csv\":\"a,b\\n1,2\\n\"}")).isEmpty();
        assertThat(fields("{\"csv\":\"only,a,header\"}")).isEmpty();
        assertThat(csvStats.nature()).isEqualTo(JobType.Nature.CPU);
    }

    @Test
    void missingOrNonStringCsvIsRejectedNamingTheField() throws Exception {
        assertThat(fields("{}")).containsExactly("input.csv");
        assertThat(fields("{\"csv\":null}")).containsExactly("input.csv");
        assertThat(fields("{\"csv\":[\"a\"]}")).containsExactly("input.csv");
        assertThat(fields("[]")).containsExactly("input");
    }

    @Test
    void aCsvWithoutAHeaderRowIsRejected() throws Exception {
        assertThat(fields("{\"csv\":\"\"}")).containsExactly("input.csv");
        assertThat(fields("{\"csv\":\"  \\r\\n\\n\"}")).containsExactly("input.csv");
    }

    @Test
    void aCsvLongerThanTheCapIsRejected() {
        ObjectNode input =
                Json.MAPPER.createObjectNode().put("csv", "a\n" + "1\n".repeat(CsvStatsType.MAX_CSV_CHARS / 2));
        Violations v = new Violations();

        csvStats.validate(input, v);

        assertThat(v.summary()).startsWith("input.csv: must be at most");
    }

    private List<String> fields(String json) throws Exception {
        Violations v = new Violations();
        csvStats.validate(Json.MAPPER.readTree(json), v);
        return v.list().stream().map(Violations.Violation::field).toList();
    }
}
