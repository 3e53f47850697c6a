package io.forkyard.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Fault 3: the Kafka broker is SIGKILLed during submission and stays down for 20 s. Submissions are
 * still accepted (the job row is the outbox); everything is dispatched and run once it is back.
 */
class BrokerDownIT {

    @Test
    void jobsAcceptedWhileTheBrokerIsDeadAreDispatchedWhenItIsBack() throws Exception {
        try (Forkyard system = new Forkyard()) {
            system.startWeb();
            system.startWorker(2);
            Ledger ledger = new Ledger(system.database);
            Submitter submitter = new Submitter(system.client(), ledger, 300, 20_000, Duration.ofMillis(100));
            Thread submitting = submitter.start();

            Thread.sleep(5_000);
            system.broker.kill();
            int acceptedBefore = ledger.size();
            Thread.sleep(20_000);
            int acceptedWhileDown = ledger.size() - acceptedBefore;
            system.broker.restart();

            submitting.join(Duration.ofMinutes(3).toMillis());
            assertThat(submitter.failure).isNull();
            Ledger.Report report = ledger.settle("broker-down-20s", Duration.ofMinutes(3));
            System.out.println("FAULT broker-down-20s: accepted while the broker was down: " + acceptedWhileDown);
            assertThat(acceptedWhileDown).isPositive();
            assertThat(report.accepted()).isEqualTo(300);
            ledger.assertAllSucceededOnce(report);
        }
    }
}
