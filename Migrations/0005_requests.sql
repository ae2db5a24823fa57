-- Peering requests (getRequests): a projection of the PeeringRequest* events.
CREATE TABLE requests (
    id                    INTEGER PRIMARY KEY,
    public_id             INTEGER NOT NULL,
    source_participant_id INTEGER NOT NULL,
    source_asn            INTEGER,
    peer_participant_id   INTEGER NOT NULL,
    peer_asn              INTEGER NOT NULL,
    peer_name             TEXT    NOT NULL,
    email_type            TEXT    NOT NULL,     -- text | html
    email_from            TEXT    NOT NULL,
    email_to              TEXT    NOT NULL,
    email_cc              TEXT,
    email_bcc             TEXT,
    subject               TEXT    NOT NULL,
    body                  TEXT    NOT NULL,
    status                TEXT    NOT NULL,     -- sent | accepted | rejected
    message_id            TEXT    NOT NULL,
    delivery_status       TEXT    NOT NULL,     -- queued | retrying | delivered | failed
    delivery_attempts     INTEGER NOT NULL,
    delivery_reply        TEXT,                 -- the mail server's last reply
    next_attempt          TEXT,                 -- 'YYYY-MM-DD HH:MM:SS' while retrying
    delivered             TEXT,                 -- when the server accepted it
    created               TEXT    NOT NULL,     -- 'YYYY-MM-DD HH:MM:SS' UTC
    created_at            TEXT    NOT NULL,     -- ISO 8601 with milliseconds, for the quiet period
    modified              TEXT    NOT NULL
) STRICT;

CREATE INDEX requests_by_peer ON requests (peer_participant_id, id);

-- The transactional outbox: each request's message, written in the same transaction as its
-- PeeringRequestSent event, and the delivery worker's bookkeeping. Not a projection (a rebuild
-- leaves it alone): it is the queue of side effects still owed, and the outcome of each attempt
-- is recorded as an event in the same transaction that updates the row.
CREATE TABLE outbox (
    request_id      INTEGER PRIMARY KEY,
    message_id      TEXT    NOT NULL UNIQUE,
    sender          TEXT    NOT NULL,           -- envelope MAIL FROM
    recipients      TEXT    NOT NULL,           -- JSON array: envelope RCPT TO (To, Cc and Bcc)
    message         TEXT    NOT NULL,           -- the RFC 5322 message, CRLF line endings
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,           -- ISO 8601 UTC: not tried before this moment
    claimed_until   TEXT,                       -- a worker is sending it until then (ISO 8601)
    last_reply      TEXT,
    created_at      TEXT    NOT NULL
) STRICT;

CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
