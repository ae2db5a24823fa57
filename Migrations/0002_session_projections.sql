-- Projections: read models rebuilt from the event log. `peerledger rebuild` empties and refills
-- every table listed in projection_state's owners; nothing here is the source of truth.

CREATE TABLE projection_state (
    name     TEXT PRIMARY KEY,                   -- projection name
    version  INTEGER NOT NULL,                   -- the code's projection version when last built
    position INTEGER NOT NULL                    -- last event position applied
) STRICT;

CREATE TABLE sessions (
    id                  INTEGER PRIMARY KEY,
    version             INTEGER NOT NULL,        -- stream_version of session-<id>
    public_id           INTEGER NOT NULL,
    source_asn          INTEGER,
    source_ipaddr       TEXT,
    resource_id         INTEGER,
    peer_asn            INTEGER NOT NULL,
    peer_name           TEXT,
    peer_participant_id INTEGER,
    peer_ipaddr         TEXT    NOT NULL,
    peer_hostname       TEXT,
    peer_group          TEXT,
    password_ref        TEXT,                    -- secrets.ref; the password itself is not here
    type                TEXT,
    state               TEXT    NOT NULL,
    prfx_max            INTEGER,
    prfx_received       INTEGER,
    ip_type             TEXT    NOT NULL,
    note                TEXT,
    created             TEXT    NOT NULL,
    modified            TEXT    NOT NULL,
    deleted             INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX sessions_by_exchange ON sessions (public_id, deleted);

-- A peer's communications history: one line per event that concerns the peer at an exchange.
CREATE TABLE peer_log (
    position            INTEGER NOT NULL,        -- the event that wrote the line
    peer_participant_id INTEGER NOT NULL,
    public_id           INTEGER NOT NULL,
    message             TEXT    NOT NULL,
    time                TEXT    NOT NULL,        -- 'YYYY-MM-DD HH:MM:SS' UTC
    request_id          INTEGER,
    session_id          INTEGER,
    PRIMARY KEY (peer_participant_id, public_id, position)
) STRICT, WITHOUT ROWID;
