package io.forkyard.job;

import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.UUID;

/**
 * The attempt history ({@code job_attempt}): one row per claim, closed with its outcome. Every
 * write joins the transaction of the {@link JobRepository} verb that changed the job, so the two
 * never disagree.
 */
@ApplicationScoped
public class JobAttempts {

    /** Opens the row of an attempt that was just claimed. */
    @Transactional(Transactional.TxType.MANDATORY)
    void started(UUID jobId, int attempt, UUID token, String worker) {
        Panache.getEntityManager()
                .createNativeQuery(
                        "INSERT INTO job_attempt (job_id, attempt, lease_token, worker) VALUES (:id, :attempt, :token, :worker)")
                .setParameter("id", jobId)
                .setParameter("attempt", attempt)
                .setParameter("token", token)
                .setParameter("worker", worker)
                .executeUpdate();
    }

    /** Closes the row of the attempt holding {@code token}. */
    @Transactional(Transactional.TxType.MANDATORY)
    void ended(UUID token, String outcome) {
        Panache.getEntityManager()
                .createNativeQuery(
                        "UPDATE job_attempt SET outcome = :outcome, ended_at = now() WHERE lease_token = :token AND outcome IS NULL")
                .setParameter("outcome", outcome)
                .setParameter("token", token)
                .executeUpdate();
    }

    /** Notes that the worker of this attempt tried to write after losing its lease, and was refused. */
    @Transactional
    public void staleWriteRejected(UUID token) {
        Panache.getEntityManager()
                .createNativeQuery("UPDATE job_attempt SET stale_write_rejected = true WHERE lease_token = :token")
                .setParameter("token", token)
                .executeUpdate();
    }
}
