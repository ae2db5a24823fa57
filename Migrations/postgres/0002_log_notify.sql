-- Every transaction that moves the log's head tells the listeners of the channel `peerledger_log`
-- once, when it commits: PostgreSQL delivers a transaction's notifications at its commit (none
-- if it rolls back) and folds those of one channel and payload into one, so a group of appends,
-- or a copy of a million events, is one notification. The payload is empty: a listener reads
-- the head itself, which is never older than the notification.
--
-- A node uses it to learn that another node appended (`PostgresEventStore.logHeads`): its read
-- caches, its live event stream and its projections follow the head it reads then.
CREATE FUNCTION log_head_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('peerledger_log', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER log_head_notify AFTER UPDATE ON log_head FOR EACH STATEMENT EXECUTE FUNCTION log_head_notify();
