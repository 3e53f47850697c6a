-- API keys map to tenants. A key is shown once, when it is made; only its SHA-256 is kept (a key is
-- 256 random bits, so a fast hash is enough: there is nothing to guess from it). prefix is the
-- key's first characters, for people to tell keys apart in a listing.
CREATE TABLE api_key (
    id          uuid         PRIMARY KEY,
    tenant      varchar(128) NOT NULL,
    name        varchar(200) NOT NULL,
    prefix      varchar(16)  NOT NULL,
    key_hash    bytea        NOT NULL UNIQUE,
    created_at  timestamptz  NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- Browser sessions, made by signing in with a key. The cookie holds 256 random bits; only their
-- SHA-256 is kept. A session dies with its key: revoking the key ends it.
CREATE TABLE web_session (
    id_hash     bytea        PRIMARY KEY,
    api_key_id  uuid         NOT NULL REFERENCES api_key (id) ON DELETE CASCADE,
    csrf_token  varchar(64)  NOT NULL,
    created_at  timestamptz  NOT NULL DEFAULT now(),
    expires_at  timestamptz  NOT NULL
);
CREATE INDEX web_session_expiry ON web_session (expires_at);
CREATE INDEX web_session_key ON web_session (api_key_id);
