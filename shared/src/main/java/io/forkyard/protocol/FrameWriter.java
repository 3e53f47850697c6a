package io.forkyard.protocol;

import io.forkyard.messaging.Json;
import java.io.IOException;
import java.io.OutputStream;

/** Writes one {@link Frame} per line and flushes, so the other side sees it at once. */
public final class FrameWriter {

    private final OutputStream out;

    public FrameWriter(OutputStream out) {
        this.out = out;
    }

    public synchronized void write(Frame frame) throws IOException {
        out.write(Json.MAPPER.writeValueAsBytes(frame));
        out.write('\n');
        out.flush();
    }
}
