package io.forkyard.web.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which programs an {@code exec} job may name at the submit ({@code forkyard.web.submit.exec-programs}). */
class ExecProgramsTest {

    private static final List<String> DECLARED = List.of("/usr/bin/sleep", "echo");

    @Test
    void aJobMayNameADeclaredProgramByItselfOrAnAbsoluteEntryByItsFileName() {
        assertThat(JobSubmission.undeclaredProgram(DECLARED, "/usr/bin/sleep")).isEmpty();
        assertThat(JobSubmission.undeclaredProgram(DECLARED, "sleep")).isEmpty();
        assertThat(JobSubmission.undeclaredProgram(DECLARED, "echo")).isEmpty();
    }

    @Test
    void anyOtherProgramIsRefusedSayingWhatIsDeclared() {
        for (String program : List.of("/bin/sh", "sh", "/bin/echo", "/tmp/sleep", "usr/bin/sleep", "sleep ")) {
            assertThat(JobSubmission.undeclaredProgram(DECLARED, program))
                    .as(program)
                    .hasValue("'" + program + "' is not a declared program; declared: /usr/bin/sleep, echo");
        }
    }

    @Test
    void withNothingDeclaredNoProgramMayRun() {
        assertThat(JobSubmission.undeclaredProgram(List.of(), "sleep"))
                .hasValueSatisfying(why -> assertThat(why).contains("forkyard.web.submit.exec-programs is empty"));
    }
}
