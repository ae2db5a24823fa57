-- A node's lock of the log's head and its catch-up under it, in one statement.
--
-- postgres-nio sends a connection's statements one after another, each once the one before is
-- answered, so every statement a node sends while it holds the head's lock is a round trip that
-- holds every other writer back. A node's group begins with the lock and the read of what other
-- nodes appended after its copy's head. They cannot be one plain statement: a statement's
-- snapshot is taken before it waits for the lock, so its read would miss the commit it waited
-- for. Inside a function each statement takes a snapshot of its own: `log_lock_and_tail` locks
-- the head, then reads the tail (`log_tail`) as of the moment it holds the lock.
--
-- Both run with the caller's privileges (what the server's role is granted already: UPDATE on
-- log_head for the lock, SELECT on the rest); PostgreSQL lets every role execute a new function.

-- At most `most` events after position `after`, each row also carrying the hash at `after` (null
-- for 0, or when the log is shorter), and its first row (the only one, with no event, when none
-- follows) the secrets and mail kept with those events as JSON arrays: for `after` 0 every secret
-- and message, those kept before secrets had positions included.
CREATE FUNCTION log_tail(after BIGINT, most BIGINT)
RETURNS TABLE ("position" BIGINT, stream TEXT, stream_version BIGINT, type TEXT, schema_version INTEGER, payload TEXT,
               metadata TEXT, recorded_at TEXT, prev_hash TEXT, hash TEXT, previous_in_stream BIGINT,
               hash_at TEXT, secrets TEXT, mail TEXT)
LANGUAGE sql STABLE AS $$
    SELECT e.position, e.stream, e.stream_version, e.type, e.schema_version, e.payload, e.metadata, e.recorded_at,
           e.prev_hash, e.hash, e.previous_in_stream, x.hash_at,
           CASE WHEN e.position IS NULL OR e.position = after + 1 THEN x.secrets END,
           CASE WHEN e.position IS NULL OR e.position = after + 1 THEN x.mail END
    FROM (SELECT (SELECT hash FROM events WHERE events.position = after) AS hash_at,
                 (SELECT json_agg(json_build_array(ref, value))::text FROM secrets
                  WHERE after = 0 OR secrets.position > after) AS secrets,
                 (SELECT json_agg(json_build_array(request_id::text, message_id, sender, recipients, message, queued_at))::text
                  FROM outbox_mail WHERE after = 0 OR outbox_mail.position > after) AS mail) x
    LEFT JOIN LATERAL (
        SELECT * FROM events WHERE events.position > after ORDER BY events.position LIMIT most
    ) e ON TRUE
$$;

-- Locks the log's head until the transaction ends, then reads the tail after `after` under the
-- lock: the head's position and hash on every row of it.
CREATE FUNCTION log_lock_and_tail(after BIGINT, most BIGINT)
RETURNS TABLE (head_position BIGINT, head_hash TEXT, "position" BIGINT, stream TEXT, stream_version BIGINT, type TEXT,
               schema_version INTEGER, payload TEXT, metadata TEXT, recorded_at TEXT, prev_hash TEXT, hash TEXT,
               previous_in_stream BIGINT, hash_at TEXT, secrets TEXT, mail TEXT)
LANGUAGE plpgsql AS $$
DECLARE
    head RECORD;
BEGIN
    SELECT l.position, l.hash INTO head FROM log_head l FOR UPDATE;
    RETURN QUERY SELECT head.position, head.hash, t.* FROM log_tail(after, most) t;
END
$$;
