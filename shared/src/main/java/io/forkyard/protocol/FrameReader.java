package io.forkyard.protocol;

import io.forkyard.messaging.Json;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads newline-delimited {@link Frame}s from a stream without ever holding more than {@code
 * maxFrameBytes} of one line: a child that floods its stdout costs the worker bounded memory.
 * Not thread-safe; one reader per stream.
 */
public final class FrameReader {

    /** A line longer than the limit: the rest of it was not read. */
    public static final class FrameTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        FrameTooLargeException(int limit) {
            super("a frame exceeded " + limit + " bytes");
        }
    }

    /** A line that is not a frame; {@link #raw()} keeps the start of it for the error message. */
    public static final class MalformedFrameException extends IOException {
        private static final long serialVersionUID = 1L;
        private final String raw;

        MalformedFrameException(String raw, Throwable cause) {
            super("not a protocol frame: " + raw, cause);
            this.raw = raw;
        }

        public String raw() {
            return raw;
        }
    }

    private static final int KEEP_FOR_MESSAGE = 500;

    private final InputStream in;
    private final int maxFrameBytes;
    private byte[] line = new byte[8192];

    public FrameReader(InputStream in, int maxFrameBytes) {
        this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 65536);
        this.maxFrameBytes = maxFrameBytes;
    }

    /** The next frame, or {@code null} at end of stream. Blank lines are skipped. */
    public Frame read() throws IOException {
        while (true) {
            int length = readLine();
            if (length < 0) {
                return null;
            }
            if (isBlank(length)) {
                continue;
            }
            try {
                Frame frame = Json.MAPPER.readValue(line, 0, length, Frame.class);
                if (frame == null || frame.kind() == null) {
                    throw new IOException("no kind");
                }
                return frame;
            } catch (IOException e) {
                String raw = new String(line, 0, Math.min(length, KEEP_FOR_MESSAGE), StandardCharsets.UTF_8);
                throw new MalformedFrameException(raw, e);
            }
        }
    }

    private int readLine() throws IOException {
        int length = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                return length == 0 ? -1 : length;
            }
            if (b == '\n') {
                return length;
            }
            if (length == maxFrameBytes) {
                throw new FrameTooLargeException(maxFrameBytes);
            }
            if (length == line.length) {
                line = Arrays.copyOf(line, Math.min(maxFrameBytes, line.length * 2));
            }
            line[length++] = (byte) b;
        }
    }

    private boolean isBlank(int length) {
        for (int i = 0; i < length; i++) {
            if (!Character.isWhitespace(line[i])) {
                return false;
            }
        }
        return true;
    }
}
