package io.forkyard.web.callback;

import io.forkyard.db.StoreException;
import io.forkyard.web.auth.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.sql.SQLException;
import java.util.HexFormat;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The tenant's callback signing secret (README "Callbacks"). */
@Path("/api/callbacks/secret")
@Tag(name = "callbacks")
@Produces(MediaType.APPLICATION_JSON)
public class CallbackResource {

    @Inject
    CallbackRelay relay;

    @Inject
    Caller caller;

    /** {@code {"secret": hex}}: the key of the HMAC-SHA256 in every callback's signature. */
    public record Secret(String secret) {}

    @GET
    @Operation(
            operationId = "getCallbackSecret",
            summary = "The callback signing secret",
            description = "The tenant's secret (hex), made on first use: a callback's `Forkyard-Signature` is"
                    + " `v1=` and the hex HMAC-SHA256, under this secret, of `Forkyard-Timestamp`, a dot and the"
                    + " body.")
    @APIResponse(responseCode = "200", description = "The secret")
    public Secret get() {
        try {
            return new Secret(HexFormat.of().formatHex(relay.secret(caller.tenant())));
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }
}
