-- The event log on PostgreSQL: the same rows, hash chain and canonical bytes as SQLite's
-- `events` (Migrations/0001_event_log.sql and 0006_stream_heads.sql), so an event's hash is the
-- same on both stores.
--
-- Positions are gap-free and assigned inside the append's transaction: an append first locks the
-- one row of `log_head` (SELECT ... FOR UPDATE), so appends are serialized as on SQLite's single
-- writer, and each event's position is the head's plus one. `events_gap_free` checks it and moves
-- the heads: an insert that does not follow the head (a gap, a wrong prev_hash, a stream version
-- out of order) is refused, whoever sends it.
--
-- Grants for the role `peerledger serve` uses (the owner that applies these migrations is another):
--   GRANT SELECT, INSERT ON events, secrets, idempotency_keys TO peerledger;
--   GRANT SELECT, INSERT, UPDATE ON log_head, stream_heads TO peerledger;
-- UPDATE on log_head is what SELECT ... FOR UPDATE needs; the heads' own triggers refuse any
-- change that is not made by the log's insert trigger.

CREATE TABLE log_head (
    singleton   BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    position    BIGINT NOT NULL,
    hash        TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
INSERT INTO log_head (singleton, position, hash, recorded_at) VALUES (TRUE, 0, repeat('0', 64), '');

CREATE TABLE events (
    position           BIGINT PRIMARY KEY CHECK (position > 0),
    stream             TEXT NOT NULL,
    stream_version     BIGINT NOT NULL CHECK (stream_version > 0),
    type               TEXT NOT NULL,
    schema_version     INTEGER NOT NULL,
    payload            TEXT NOT NULL,
    metadata           TEXT NOT NULL,
    recorded_at        TEXT NOT NULL,
    prev_hash          TEXT NOT NULL,
    hash               TEXT NOT NULL UNIQUE,
    previous_in_stream BIGINT REFERENCES events (position),
    UNIQUE (stream, stream_version)
);

-- Each stream's last version and position, moved by the log's insert trigger only.
CREATE TABLE stream_heads (
    stream   TEXT PRIMARY KEY,
    version  BIGINT NOT NULL,
    position BIGINT NOT NULL REFERENCES events (position)
);

CREATE FUNCTION events_gap_free() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head_version  BIGINT;
    head_position BIGINT;
BEGIN
    UPDATE log_head SET position = NEW.position, hash = NEW.hash, recorded_at = NEW.recorded_at
    WHERE position = NEW.position - 1 AND hash = NEW.prev_hash;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'events_gap_free: position % does not follow the head of the log', NEW.position
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT version, position INTO head_version, head_position FROM stream_heads WHERE stream = NEW.stream;
    IF NEW.stream_version <> COALESCE(head_version, 0) + 1
        OR NEW.previous_in_stream IS DISTINCT FROM head_position THEN
        RAISE EXCEPTION 'events_gap_free: version % of % does not follow its stream''s head', NEW.stream_version, NEW.stream
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION events_move_stream_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stream_heads (stream, version, position) VALUES (NEW.stream, NEW.stream_version, NEW.position)
    ON CONFLICT (stream) DO UPDATE SET version = EXCLUDED.version, position = EXCLUDED.position;
    RETURN NULL;
END
$$;

CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

-- The heads change only under the log's insert trigger (a trigger depth above 1).
CREATE FUNCTION heads_follow_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION '%: % refused; the heads follow the log', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER events_gap_free BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION events_gap_free();
CREATE TRIGGER events_move_stream_head AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION events_move_stream_head();
CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER log_head_follows_log BEFORE INSERT OR UPDATE OR DELETE ON log_head FOR EACH ROW EXECUTE FUNCTION heads_follow_log();
CREATE TRIGGER stream_heads_follow_log BEFORE INSERT OR UPDATE OR DELETE ON stream_heads FOR EACH ROW EXECUTE FUNCTION heads_follow_log();

-- Secrets an event refers to by ref; never in the log itself.
CREATE TABLE secrets (
    ref   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The first answer of each keyed write, written in the write's own transaction.
CREATE TABLE idempotency_keys (
    actor       TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    answer      TEXT NOT NULL,
    position    BIGINT NOT NULL,
    PRIMARY KEY (actor, key)
);
