-- The mail each request queued, kept beside the log so every node following it has the whole
-- outbox: the node leading the outbox worker sends it, whichever node took the request. A row is
-- written in the transaction that appends its request's events; `position` is the first of them,
-- so a node copying the log in after its head fetches the mail queued with those events. How each
-- message fared is in the log (delivered, failed, retried), not here.
CREATE TABLE outbox_mail (
    request_id BIGINT PRIMARY KEY,
    message_id TEXT   NOT NULL,
    sender     TEXT   NOT NULL,
    recipients TEXT   NOT NULL,
    message    TEXT   NOT NULL,
    queued_at  TEXT   NOT NULL,
    position   BIGINT NOT NULL
);
CREATE INDEX outbox_mail_by_position ON outbox_mail (position);
