package io.forkyard.web.ui;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

/** {@code /}: the jobs are the start page. */
@Path("/")
public class HomePage {

    @GET
    public Response home() {
        return Pages.seeOther("/jobs");
    }
}
