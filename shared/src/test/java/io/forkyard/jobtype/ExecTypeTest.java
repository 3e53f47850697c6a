package io.forkyard.jobtype;

import static org.assertj.core.api.Assertions.assertThat;

import io.forkyard.messaging.Json;
import org.junit.jupiter.api.Test;

class ExecTypeTest {

    private final JobType exec = JobTypeCatalogue.instance().find("exec").orElseThrow();

    @Test
    void programWithStringArgumentsIsValid() throws Exception {
        assertThat(violations("{\"program\":\"echo\",\"args\":[\"a\",\"; b\"]}").list())
                .isEmpty();
    }

    @Test
    void missingProgramNonStringArgumentsAndNulCharactersAreNamed() throws Exception {
        assertThat(violations("{\"args\":[]}").summary()).contains("input.program: is required");
        assertThat(violations("{\"program\":\"echo\",\"args\":[\"a\",5]}").list())
                .extracting(Violations.Violation::field)
                .containsExactly("input.args[1]");
        assertThat(violations("{\"program\":\"echo\",\"args\":[\"a\\u0000b\"]}").list())
                .extracting(Violations.Violation::field)
                .containsExactly("input.args[0]");
        assertThat(violations("{\"program\":\"echo\",\"args\":\"-rf /\"}").list())
                .extracting(Violations.Violation::field)
                .containsExactly("input.args");
    }

    private Violations violations(String json) throws Exception {
        Violations v = new Violations();
        exec.validate(Json.MAPPER.readTree(json), v);
        return v;
    }
}
