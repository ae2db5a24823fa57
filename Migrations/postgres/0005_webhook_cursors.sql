-- Where each webhook subscription's deliveries stand, shared by the nodes following the log: the
-- node leading the webhook worker moves a subscription's row in the transaction that records a
-- delivery, and a node that takes over delivering starts from it, so a failover does not send a
-- receiver again the events it already has. Only the position of the last event delivered is
-- shared; failed attempts and their back-off stay with the node that made them.
CREATE TABLE webhook_cursors (
    webhook_id BIGINT PRIMARY KEY,
    position   BIGINT NOT NULL CHECK (position >= 0)
);
