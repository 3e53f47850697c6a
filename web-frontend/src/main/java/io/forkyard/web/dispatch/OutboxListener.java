package io.forkyard.web.dispatch;

import io.forkyard.messaging.Topics;
import io.forkyard.retry.RetryPause;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Wakes the outbox relay when a worker makes jobs due at once (hands buffered jobs back to the
 * queue): it {@code LISTEN}s on {@link Topics#OUTBOX_CHANNEL} on a connection of its own. Only a
 * shortcut: without it those jobs are published at the relay's next sweep.
 */
@ApplicationScoped
public class OutboxListener {

    private static final Logger LOG = Logger.getLogger(OutboxListener.class);
    private static final int WAIT_MILLIS = 1_000;

    @Inject
    DataSource dataSource;

    @Inject
    OutboxRelay relay;

    private volatile boolean running;
    private Thread thread;

    void start(@Observes StartupEvent event) {
        running = true;
        thread = new Thread(this::listen, "outbox-listener");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        thread.interrupt();
    }

    private void listen() {
        RetryPause pause = new RetryPause(Duration.ofMillis(500), Duration.ofSeconds(10));
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                try (Statement s = connection.createStatement()) {
                    s.execute("LISTEN " + Topics.OUTBOX_CHANNEL);
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                pause.reset();
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
                    if (notifications != null && notifications.length > 0) {
                        relay.wakeUp();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    LOG.debugf("outbox listener lost its connection, reconnecting: %s", e.toString());
                    pause.pause();
                }
            }
        }
    }
}
