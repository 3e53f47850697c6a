package io.forkyard.jobtype;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.forkyard.messaging.Json;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ImageTypeTest {

    private static final String SOME_BYTES = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3});

    private final JobType image = JobTypeCatalogue.instance().find("image").orElseThrow();

    @Test
    void everyOperationWithParametersInBoundsIsValid() throws Exception {
        assertThat(violations(withOperations("[{\"op\":\"grayscale\"},{\"op\":\"resize\",\"width\":640,\"height\":480},"
                                + "{\"op\":\"thumbnail\",\"size\":128},{\"op\":\"blur\",\"radius\":3}]"))
                        .list())
                .isEmpty();
    }

    @Test
    void anEmptyOperationListIsValidAndMeansConvertToPng() throws Exception {
        assertThat(violations(withOperations("[]")).list()).isEmpty();
    }

    @Test
    void theTypeRunsInAChild() {
        assertThat(image.nature()).isEqualTo(JobType.Nature.CPU);
    }

    @Test
    void missingOrUndecodableBase64IsRejectedNamingTheField() throws Exception {
        assertThat(fields("{\"operations\":[]}")).containsExactly("input.base64");
        assertThat(fields("{\"base64\":\"%%%\",\"operations\":[]}")).containsExactly("input.base64");
        assertThat(fields("{\"base64\":\"\",\"operations\":[]}")).containsExactly("input.base64");
        assertThat(fields("{\"base64\":42,\"operations\":[]}")).containsExactly("input.base64");
    }

    @Test
    void anImageLargerThanTheCapIsRejected() throws Exception {
        String tooBig = Base64.getEncoder().encodeToString(new byte[ImageType.MAX_IMAGE_BYTES + 1]);
        ObjectNode input = Json.MAPPER.createObjectNode().put("base64", tooBig);
        input.putArray("operations");

        Violations v = new Violations();
        image.validate(input, v);

        assertThat(v.list()).extracting(Violations.Violation::field).containsExactly("input.base64");
    }

    @Test
    void missingOrNonArrayOperationsAreRejected() throws Exception {
        assertThat(fields("{\"base64\":\"" + SOME_BYTES + "\"}")).containsExactly("input.operations");
        assertThat(fields("{\"base64\":\"" + SOME_BYTES + "\",\"operations\":{}}"))
                .containsExactly("input.operations");
    }

    @Test
    void anUnknownOperationIsRejectedNamingItsIndex() throws Exception {
        Violations v = violations(
                withOperations("[{\"op\":\"grayscale\"},{\"op\":\"blur\",\"radius\":2},{\"op\":\"sepia\"}]"));

        assertThat(v.list()).extracting(Violations.Violation::field).containsExactly("input.operations[2].op");
        assertThat(v.summary()).contains("grayscale", "resize", "thumbnail", "blur");
    }

    @Test
    void anOperationThatIsNotAnObjectOrHasNoOpIsRejected() throws Exception {
        assertThat(violations(withOperations("[\"grayscale\",{}]")).list())
                .extracting(Violations.Violation::field)
                .containsExactly("input.operations[0]", "input.operations[1].op");
    }

    @Test
    void parametersOutOfBoundsOrMissingAreRejectedEachNamed() throws Exception {
        Violations v = violations(withOperations("[{\"op\":\"resize\",\"width\":0,\"height\":10001},"
                + "{\"op\":\"thumbnail\"},{\"op\":\"blur\",\"radius\":51},{\"op\":\"blur\",\"radius\":1.5},"
                + "{\"op\":\"resize\",\"width\":10,\"height\":\"10\"}]"));

        assertThat(v.list())
                .extracting(Violations.Violation::field)
                .containsExactly(
                        "input.operations[0].width",
                        "input.operations[0].height",
                        "input.operations[1].size",
                        "input.operations[2].radius",
                        "input.operations[3].radius",
                        "input.operations[4].height");
        assertThat(v.summary()).contains("input.operations[1].size: is required");
    }

    @Test
    void aResizeToMoreThanThePixelCapIsRejected() throws Exception {
        assertThat(violations(withOperations("[{\"op\":\"resize\",\"width\":10000,\"height\":10000}]"))
                        .list())
                .extracting(Violations.Violation::field)
                .containsExactly("input.operations[0]");
    }

    @Test
    void tooManyOperationsAreRejected() throws Exception {
        String many = "[" + "{\"op\":\"grayscale\"},".repeat(ImageType.MAX_OPERATIONS) + "{\"op\":\"grayscale\"}]";
        assertThat(violations(withOperations(many)).list())
                .extracting(Violations.Violation::field)
                .containsExactly("input.operations");
    }

    private static String withOperations(String operations) {
        return "{\"base64\":\"" + SOME_BYTES + "\",\"operations\":" + operations + "}";
    }

    private java.util.List<String> fields(String json) throws Exception {
        return violations(json).list().stream().map(Violations.Violation::field).toList();
    }

    private Violations violations(String json) throws Exception {
        JsonNode input = Json.MAPPER.readTree(json);
        Violations v = new Violations();
        image.validate(input, v);
        return v;
    }
}
