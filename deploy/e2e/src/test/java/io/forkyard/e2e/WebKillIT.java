package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Fault 4: the web tier is SIGKILLed repeatedly during submission, also between a commit and its
 * publish (the dual-write window), and once while its outbox relay waits for the broker with the
 * rows it took from the outbox (a relay killed mid-round: its delete rolls back, and the restarted
 * tier publishes those jobs). The client repeats unanswered submits with their
 * Idempotency-Key, so every job it was told about exists once and runs. A schedule ticks every second
 * all the while (README "Schedules"): the ticks that pass while the web tier is down are made when
 * it is back, each once.
 */
class WebKillIT {

    @Test
    void webTierKilledDuringSubmissionLosesNoAcceptedJobAndInventsNone() throws Exception {
        try (Forkyard system = new Forkyard()) {
            system.startWeb();
            system.startWorker(2);
            String schedule = ScheduleTicks.start(system.client());
            Ledger ledger = new Ledger(system.database);
            Submitter submitter = new Submitter(system.client(), ledger, 400, 20_000, Duration.ofMillis(20));
            Thread submitting = submitter.start();

            int kills = 0;
            while (submitting.isAlive() && kills < 4) {
                Thread.sleep(3_000);
                if (kills == 1) {
                    system.killWebWhileItsRelayWaitsForTheBroker();
                } else {
                    system.killAndRestartWeb();
                }
                kills++;
            }
            submitting.join(Duration.ofMinutes(3).toMillis());
            assertThat(submitter.failure).isNull();
            ScheduleTicks.Report ticks = ScheduleTicks.stop(system.client(), system.database, schedule);
            System.out.println("web-kill schedule " + ticks);
            assertThat(ticks.max())
                    .as("a tick that passed while the web tier was down was made after its restart")
                    .isGreaterThan(Duration.ofSeconds(2));

            Ledger.Report report = ledger.settle(
                    "web-kill kills=" + kills + " lost-answers=" + submitter.lostAnswers.get(), Duration.ofMinutes(3));
            assertThat(kills).isGreaterThanOrEqualTo(3);
            assertThat(submitter.lostAnswers.get()).isPositive();
            assertThat(report.accepted()).isEqualTo(400);
            ledger.assertAllSucceededOnce(report);
        }
    }
}
