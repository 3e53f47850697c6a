package io.forkyard.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A plain server-sent-events client for the web and end-to-end tests: it reads the stream on a thread of its own and
 * queues each event (and each comment); {@link #close} drops the connection, as a browser tab that
 * goes away does. The end of the stream (the server closed it) is an event of its own.
 */
public final class SseClient implements AutoCloseable {

    /** One event as it came: {@code name} null for a comment, {@code END} when the server closed. */
    public record Event(String name, String id, String data, String comment) {
        public static final Event END = new Event("END", null, null, null);

        public boolean isComment() {
            return comment != null;
        }
    }

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final HttpResponse<InputStream> response;
    private final Thread reader;

    private SseClient(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = new Thread(this::read, "sse-test-client");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens {@code uri}; {@code lastEventId} null for a first connection. */
    public static SseClient open(URI uri, String lastEventId) throws IOException, InterruptedException {
        return open(uri, lastEventId, Map.of());
    }

    /** Opens {@code uri} with more request headers (e.g. {@code Authorization}). */
    public static SseClient open(URI uri, String lastEventId, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .header("Accept", "text/event-stream")
                .GET();
        headers.forEach(request::header);
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        return new SseClient(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    public int status() {
        return response.statusCode();
    }

    public String contentType() {
        return response.headers().firstValue("Content-Type").orElse("");
    }

    /** The next event that is not a comment, or fails after {@code timeout}. */
    public Event next(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Event e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("no event within " + timeout);
            }
            if (!e.isComment()) {
                return e;
            }
        }
    }

    /** The next comment line (e.g. a keep-alive), skipping events; fails after {@code timeout}. */
    public String nextComment(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Event e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("no comment within " + timeout);
            }
            if (e.isComment()) {
                return e.comment();
            }
        }
    }

    /** Every event up to the server's end of the stream (END excluded); fails after {@code timeout}. */
    public List<Event> untilEnd(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Event> all = new ArrayList<>();
        while (true) {
            Event e = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (e == Event.END) {
                return all;
            }
            all.add(e);
        }
    }

    /** Events (not comments) that came so far and were not taken yet. */
    public List<Event> drain() {
        List<Event> all = new ArrayList<>();
        events.drainTo(all);
        all.removeIf(Event::isComment);
        return all;
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String name = null;
            String id = null;
            StringBuilder data = null;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (name != null || data != null) {
                        events.add(new Event(name, id, data == null ? null : data.toString(), null));
                    }
                    name = null;
                    id = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    events.add(new Event(null, null, null, line.substring(1)));
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1).stripLeading();
                    switch (field) {
                        case "event" -> name = value;
                        case "id" -> id = value;
                        case "data" ->
                            data = data == null
                                    ? new StringBuilder(value)
                                    : data.append('\n').append(value);
                        default -> {}
                    }
                }
            }
            events.add(Event.END);
        } catch (IOException e) {
            events.add(Event.END); // dropped, by us or by the server
        }
    }

    @Override
    public void close() throws IOException {
        response.body().close();
        reader.interrupt();
    }
}
