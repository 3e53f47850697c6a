package io.forkyard.jobtype;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.forkyard.messaging.Json;
import org.junit.jupiter.api.Test;

class Sha256TypeTest {

    private final JobType sha256 = JobTypeCatalogue.instance().find("sha256").orElseThrow();

    @Test
    void textWithPositiveRoundsIsValid() throws Exception {
        assertThat(violations("{\"text\":\"forkyard\",\"rounds\":1000}").list()).isEmpty();
    }

    @Test
    void zeroRoundsIsRejectedNamingTheField() throws Exception {
        assertThat(violations("{\"text\":\"forkyard\",\"rounds\":0}").list())
                .extracting(Violations.Violation::field)
                .containsExactly("input.rounds");
    }

    @Test
    void missingRoundsAndNonIntegerRoundsAreRejected() throws Exception {
        assertThat(violations("{\"text\":\"x\"}").summary()).contains("input.rounds: is required");
        assertThat(violations("{\"text\":\"x\",\"rounds\":1.5}").summary())
                .contains("input.rounds: must be an integer");
    }

    @Test
    void exactlyOneOfTextAndBase64IsRequired() throws Exception {
        assertThat(violations("{\"rounds\":1}").summary()).contains("exactly one");
        assertThat(violations("{\"text\":\"a\",\"base64\":\"YQ==\",\"rounds\":1}")
                        .summary())
                .contains("exactly one");
        assertThat(violations("{\"base64\":\"%%%\",\"rounds\":1}").list())
                .extracting(Violations.Violation::field)
                .containsExactly("input.base64");
    }

    @Test
    void theCatalogueKnowsTheBuiltInTypes() {
        assertThat(JobTypeCatalogue.instance().names()).contains("sha256", "noop", "sleep");
        assertThat(JobTypeCatalogue.instance().find("nope")).isEmpty();
    }

    private Violations violations(String json) throws Exception {
        JsonNode input = Json.MAPPER.readTree(json);
        Violations v = new Violations();
        sha256.validate(input, v);
        return v;
    }
}
