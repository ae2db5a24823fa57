-- Streams without a stream index.
--
-- Until now the log kept UNIQUE (stream, stream_version): an index with one entry per event,
-- ordered by stream. Appends land on random streams (a session here, a peer there), so every
-- event wrote a random page of an index as large as the log: at 1,000,000 events about 6,000
-- pages, nearly one touched page per event in a batch of 1,000, most of what a batch wrote.
--
-- What the index did is now done by two smaller things the database keeps itself:
--   * stream_heads: one row per stream (its last version and that event's position). It grows
--     with the number of streams, not events, and a stream's row is what an append reads anyway.
--   * events.previous_in_stream: the position of the stream's event before this one (NULL for a
--     stream's first). One stream's history is a walk back from its head, one key lookup a step.
-- The triggers keep the old guarantees: a stream's versions follow each other without a gap or a
-- repeat (what the UNIQUE index backstopped), every link points at the stream's previous event,
-- and a head can only ever name the newest event of its stream.

DROP TRIGGER events_refuse_update;
DROP TRIGGER events_refuse_delete;
DROP TRIGGER events_gap_free;
ALTER TABLE events RENAME TO events_0005;

CREATE TABLE events (
    position           INTEGER PRIMARY KEY,      -- global order, gap-free (trigger below)
    stream             TEXT    NOT NULL,         -- aggregate, e.g. 'session-41'
    stream_version     INTEGER NOT NULL CHECK (stream_version >= 1),
    type               TEXT    NOT NULL,         -- e.g. 'SessionAdded'
    schema_version     INTEGER NOT NULL CHECK (schema_version >= 1),
    payload            TEXT    NOT NULL,         -- canonical JSON (sorted keys)
    metadata           TEXT    NOT NULL,         -- canonical JSON: actor, request_id, client_address
    recorded_at        TEXT    NOT NULL,         -- UTC, ISO 8601 with milliseconds
    prev_hash          TEXT    NOT NULL,         -- hash of position - 1 (64 zeros for position 1)
    hash               TEXT    NOT NULL,         -- SHA-256 over prev_hash and this event's bytes
    previous_in_stream INTEGER CHECK (previous_in_stream < position) -- not hashed: derived from the log
) STRICT;

INSERT INTO events (position, stream, stream_version, type, schema_version, payload, metadata, recorded_at, prev_hash, hash,
                    previous_in_stream)
SELECT position, stream, stream_version, type, schema_version, payload, metadata, recorded_at, prev_hash, hash,
       LAG(position) OVER (PARTITION BY stream ORDER BY stream_version)
FROM events_0005 ORDER BY position;

DROP TABLE events_0005;

CREATE TABLE stream_heads (
    stream   TEXT PRIMARY KEY,
    version  INTEGER NOT NULL,                   -- the stream's last stream_version
    position INTEGER NOT NULL                    -- that event's position
) STRICT, WITHOUT ROWID;

INSERT INTO stream_heads (stream, version, position)
SELECT stream, MAX(stream_version), MAX(position) FROM events GROUP BY stream;

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
  OR NEW.stream_version IS NOT COALESCE((SELECT version FROM stream_heads WHERE stream = NEW.stream), 0) + 1
BEGIN
    SELECT RAISE(ABORT, 'events: position and stream_version must each follow the last one without a gap');
END;

CREATE TRIGGER events_stream_link BEFORE INSERT ON events
WHEN NEW.previous_in_stream IS NOT (SELECT position FROM stream_heads WHERE stream = NEW.stream)
BEGIN
    SELECT RAISE(ABORT, 'events: previous_in_stream must be the position of the stream''s last event');
END;

CREATE TRIGGER events_move_stream_head AFTER INSERT ON events
BEGIN
    INSERT INTO stream_heads (stream, version, position) VALUES (NEW.stream, NEW.stream_version, NEW.position)
    ON CONFLICT (stream) DO UPDATE SET version = excluded.version, position = excluded.position;
END;

CREATE TRIGGER stream_heads_follow_log_insert BEFORE INSERT ON stream_heads
WHEN NEW.position IS NOT (SELECT MAX(position) FROM events)
  OR NOT EXISTS (SELECT 1 FROM events WHERE position = NEW.position AND stream = NEW.stream AND stream_version = NEW.version)
BEGIN
    SELECT RAISE(ABORT, 'stream_heads: a head names the newest event of its stream, written by the events trigger');
END;

CREATE TRIGGER stream_heads_follow_log_update BEFORE UPDATE ON stream_heads
WHEN NEW.stream IS NOT OLD.stream
  OR NEW.position IS NOT (SELECT MAX(position) FROM events)
  OR NOT EXISTS (SELECT 1 FROM events WHERE position = NEW.position AND stream = NEW.stream AND stream_version = NEW.version)
BEGIN
    SELECT RAISE(ABORT, 'stream_heads: a head names the newest event of its stream, written by the events trigger');
END;

CREATE TRIGGER stream_heads_refuse_delete BEFORE DELETE ON stream_heads
BEGIN
    SELECT RAISE(ABORT, 'stream_heads: DELETE refused (a stream, once begun, is never gone)');
END;
