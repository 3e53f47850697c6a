package io.forkyard.web.event;

import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

/**
 * One open SSE connection: what it has sent, and its keep-alive. Every write goes through {@link
 * #send} or {@link #keepAlive} under the stream's lock, so events leave in the order decided here.
 * The emitter's termination (client gone, stream ended, buffer overflow) removes the stream from
 * the {@link EventHub}.
 */
abstract class EventStream {

    private final Sse sse;
    private MultiEmitter<? super OutboundSseEvent> emitter;
    private long lastWriteNanos = System.nanoTime();
    private boolean ended;

    EventStream(Sse sse) {
        this.sse = sse;
    }

    final synchronized void attach(MultiEmitter<? super OutboundSseEvent> emitter) {
        this.emitter = emitter;
    }

    /** An event from the events topic (the reader's thread); the stream decides what to send. */
    abstract void offer(Delivery delivery);

    /** Called about every second by the hub: keep-alive, and whatever the stream checks over time. */
    void tick(long nowNanos, long keepAliveNanos) {
        keepAliveIfQuiet(nowNanos, keepAliveNanos);
    }

    final synchronized void keepAliveIfQuiet(long nowNanos, long keepAliveNanos) {
        if (!ended && emitter != null && nowNanos - lastWriteNanos >= keepAliveNanos) {
            emitter.emit(sse.newEventBuilder().comment("keep-alive").build());
            lastWriteNanos = nowNanos;
        }
    }

    /** Sends one {@code event: job} event. */
    final synchronized void send(String id, String json) {
        if (ended) {
            return;
        }
        emitter.emit(sse.newEventBuilder().name("job").id(id).data(json).build());
        lastWriteNanos = System.nanoTime();
    }

    /** Ends the stream: the server closes the connection once everything sent has gone out. */
    final synchronized void end() {
        if (!ended) {
            ended = true;
            emitter.complete();
        }
    }

    final synchronized boolean ended() {
        return ended;
    }

    /** The tenant whose events this stream may see. */
    abstract String tenant();
}
