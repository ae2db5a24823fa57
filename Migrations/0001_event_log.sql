-- The event log: the only source of truth. Every other table is either a projection (rebuilt
-- from this one) or a side store that events reference (secrets, API keys, idempotency answers).

CREATE TABLE events (
    position       INTEGER PRIMARY KEY,          -- global order, gap-free (trigger below)
    stream         TEXT    NOT NULL,             -- aggregate, e.g. 'session-41'
    stream_version INTEGER NOT NULL CHECK (stream_version >= 1),
    type           TEXT    NOT NULL,             -- e.g. 'SessionAdded'
    schema_version INTEGER NOT NULL CHECK (schema_version >= 1),
    payload        TEXT    NOT NULL,             -- canonical JSON (sorted keys)
    metadata       TEXT    NOT NULL,             -- canonical JSON: actor, request_id, client_address
    recorded_at    TEXT    NOT NULL,             -- UTC, ISO 8601 with milliseconds
    prev_hash      TEXT    NOT NULL,             -- hash of position - 1 (64 zeros for position 1)
    hash           TEXT    NOT NULL,             -- SHA-256 over prev_hash and this event's bytes
    UNIQUE (stream, stream_version)              -- optimistic concurrency backstop
) STRICT;

CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: UPDATE refused');
END;

CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: DELETE refused');
END;

CREATE TRIGGER events_gap_free BEFORE INSERT ON events
WHEN NEW.position IS NOT (SELECT COALESCE(MAX(position), 0) + 1 FROM events)
  OR NEW.stream_version IS NOT (SELECT COALESCE(MAX(stream_version), 0) + 1 FROM events WHERE stream = NEW.stream)
BEGIN
    SELECT RAISE(ABORT, 'events: position and stream_version must each follow the last one without a gap');
END;

-- Values that must never enter the log (BGP session passwords, later router and SMTP credentials).
-- Events carry only the opaque ref; a ref is written once and never reused, so history stays exact.
CREATE TABLE secrets (
    ref   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- API keys for HMAC authentication. The secret is needed to verify signatures, so it is stored
-- here (never in the log); key creation and revocation are events without the secret.
CREATE TABLE api_keys (
    api_key    TEXT PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    secret     TEXT    NOT NULL,
    read_only  INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    revoked_at TEXT
) STRICT;

-- The first answer to each idempotent write, so a retry returns it and appends nothing.
CREATE TABLE idempotency_keys (
    actor       TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,                   -- SHA-256 of the action and its parameters
    answer      TEXT NOT NULL,
    position    INTEGER NOT NULL,                -- last event position the write appended
    PRIMARY KEY (actor, key)
) STRICT;
