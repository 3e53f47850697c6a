package io.forkyard.web.event;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * This process's reader of the whole events topic (SmallRye Reactive Messaging, channel {@value
 * #CHANNEL}): a consumer group of its own per process (every web process sees every event),
 * starting at the latest offset, committing nothing. It only hands each record to the {@link
 * EventHub}; PostgreSQL, not the topic, is what a stream resumes from.
 */
@ApplicationScoped
public class EventIntake {

    /** The channel name; its settings are {@code mp.messaging.incoming.jobevents.*}. */
    public static final String CHANNEL = "jobevents";

    @Inject
    EventHub hub;

    @Incoming(CHANNEL)
    public void receive(ConsumerRecord<String, byte[]> record) {
        Header tenant = record.headers().lastHeader(EventRelay.TENANT_HEADER);
        hub.deliver(
                tenant == null ? null : new String(tenant.value(), StandardCharsets.UTF_8),
                record.key(),
                record.value());
    }
}
