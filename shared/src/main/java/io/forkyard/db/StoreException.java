package io.forkyard.db;

import java.sql.SQLException;

/** A statement on the job store failed; {@link Jdbc#isConnectionFailure} tells whether it was unreachable. */
public class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StoreException(SQLException cause) {
        super(cause.getMessage(), cause);
    }
}
