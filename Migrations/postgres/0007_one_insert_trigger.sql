-- The log's insert does its checks and moves both heads in one trigger, without foreign keys.
--
-- Before, an event's insert ran `events_gap_free` (the log's head moved, the stream's head read
-- and compared) and then `events_move_stream_head` (the stream's head written), and PostgreSQL
-- checked two foreign keys, `events.previous_in_stream` and `stream_heads.position`, each a
-- `SELECT … FOR KEY SHARE` of an event row, which writes a row lock into that row. The trigger
-- already proves what they proved: the log's head moves only to the position that follows it
-- (`log_head`), and a stream's head moves only from the position and version the new event
-- names (`previous_in_stream`, `stream_version - 1`) to the new event's, so every position a
-- head or an event names is an event of the log.
--
-- Now `events_gap_free` moves the log's head and the stream's head each with one conditional
-- statement, and refuses the event, with the same words as before, when either did not move:
-- a stream's first event inserts its head (and finds none there), a later one updates the head
-- it follows. Both happen before the row is inserted; a refused insert rolls all of it back.
ALTER TABLE events DROP CONSTRAINT events_previous_in_stream_fkey;
ALTER TABLE stream_heads DROP CONSTRAINT stream_heads_position_fkey;

DROP TRIGGER events_move_stream_head ON events;
DROP FUNCTION events_move_stream_head();

CREATE OR REPLACE FUNCTION events_gap_free() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE log_head SET position = NEW.position, hash = NEW.hash, recorded_at = NEW.recorded_at
    WHERE position = NEW.position - 1 AND hash = NEW.prev_hash;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'events_gap_free: position % does not follow the head of the log', NEW.position
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.stream_version = 1 AND NEW.previous_in_stream IS NULL THEN
        INSERT INTO stream_heads (stream, version, position) VALUES (NEW.stream, 1, NEW.position)
        ON CONFLICT (stream) DO NOTHING;
    ELSE
        UPDATE stream_heads SET version = NEW.stream_version, position = NEW.position
        WHERE stream = NEW.stream AND version = NEW.stream_version - 1 AND position = NEW.previous_in_stream;
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'events_gap_free: version % of % does not follow its stream''s head', NEW.stream_version, NEW.stream
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
