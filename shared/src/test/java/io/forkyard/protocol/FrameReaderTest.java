package io.forkyard.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.forkyard.messaging.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FrameReaderTest {

    @Test
    void framesWrittenByTheWriterAreReadBackInOrder() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameWriter writer = new FrameWriter(out);
        writer.write(Frame.progress("r1", 50, "half"));
        writer.write(Frame.result("r1", Json.MAPPER.readTree("{\"hex\":\"ab\"}")));

        FrameReader reader = new FrameReader(new ByteArrayInputStream(out.toByteArray()), 1024);
        Frame progress = reader.read();
        Frame result = reader.read();

        assertThat(progress.kind()).isEqualTo(Frame.PROGRESS);
        assertThat(progress.percent()).isEqualTo(50);
        assertThat(result.isFinal()).isTrue();
        assertThat(result.result().get("hex").asText()).isEqualTo("ab");
        assertThat(reader.read()).isNull();
    }

    @Test
    void aLineOverTheLimitIsRefusedWithoutReadingItAll() {
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 'x';
            }
        };
        assertThatThrownBy(() -> new FrameReader(endless, 4096).read())
                .isInstanceOf(FrameReader.FrameTooLargeException.class);
    }

    @Test
    void garbageIsReportedWithTheTextThatWasSeen() {
        byte[] garbage = "Hello from a stray println\n".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> new FrameReader(new ByteArrayInputStream(garbage), 1024).read())
                .isInstanceOfSatisfying(
                        FrameReader.MalformedFrameException.class,
                        e -> assertThat(e.raw()).isEqualTo("Hello from a stray println"));
    }
}
