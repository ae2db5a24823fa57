-- Webhooks: subscriptions (a projection of the Webhook* events) and the delivery worker's side
-- tables (not rebuilt from the log, not exported).
--
-- `webhooks` is the projection: one row per subscription, its URL and event types, the ref of
-- its signing secret in `secrets` (the secret itself is never in the log), and its status.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY,
    url             TEXT    NOT NULL,
    event_types     TEXT    NOT NULL,       -- JSON array of event type names
    secret_ref      TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('active', 'disabled', 'unsubscribed')),
    position        INTEGER NOT NULL,       -- the WebhookSubscribed event's: deliveries start after it
    created         TEXT    NOT NULL,       -- RFC 3339 UTC
    disabled_reason TEXT,
    failing_since   TEXT,                   -- with a disabled subscription: failing since then (RFC 3339)
    ended           TEXT                    -- when it was disabled or unsubscribed (RFC 3339)
) STRICT;

-- The delivery cursor of each subscription: the last log position delivered (or passed over as not
-- matching), and the failing attempts at the next one. It moves only in the transaction that
-- records an attempt, so a worker that stops between a POST and that commit sends the same event
-- again rather than skipping it.
CREATE TABLE webhook_cursors (
    webhook_id      INTEGER PRIMARY KEY,
    position        INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,       -- ISO 8601 UTC: not tried before this moment
    failing_since   TEXT,                   -- the first failed attempt since the last success
    claimed_until   TEXT                    -- a worker is delivering for it until then
) STRICT;

-- The delivery log: one row per attempt.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL,
    position        INTEGER NOT NULL,       -- the event delivered
    attempt         INTEGER NOT NULL,       -- 1 for the first attempt at this event
    status          INTEGER,                -- the receiver's HTTP status; NULL when none came
    error           TEXT,                   -- why the attempt failed, when it did
    delivered       INTEGER NOT NULL CHECK (delivered IN (0, 1)),
    attempted_at    TEXT    NOT NULL        -- RFC 3339 UTC
) STRICT;

CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
