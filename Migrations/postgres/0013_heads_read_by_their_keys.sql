-- Every statement that reads a head finds it by its key, whatever the planner knew of the table
-- when it planned the statement.
--
-- The log's head: `log_head` holds one row, but not one page. Each event's insert writes a new
-- version of that row (`events_gap_free`), and no version written inside a transaction that is
-- still running can be pruned: a `store copy` batch of 2,000 events, or a commit while `pg_dump`
-- or a long read holds an old snapshot, leaves the table tens or hundreds of pages long. The live
-- row then sits on one of the last pages, so VACUUM cannot truncate the empty pages before it,
-- and the table stays that long. A statement that scans it reads every one of those pages: after
-- loading a 20,000-event log, 341 pages, read by the head's lock and again by the trigger's
-- update at every commit, and by every read's head check on a node. Each statement now names the
-- row by its key (`WHERE singleton`), which `log_head_pkey` finds however long the table is;
-- while it is one page long PostgreSQL still reads that page directly, as it should.
--
-- The streams' heads: `log_append` found the head of each stream its events continue with a join
-- to `stream_heads`. Its plan is made once per connection (`0010_generic_plans`), and a
-- connection that first appended while `stream_heads` was empty, or before anything had analyzed
-- it (right after a copy into a new database), planned a hash join over a scan of the whole
-- table, then ran it at every commit: 0.4 ms a single command with 7,300 streams, and growing
-- with the streams, until autovacuum's next analyze made the connection plan again. The head is
-- now a subquery on the stream's key, which can only be a lookup in `stream_heads_pkey`, made
-- for each stream's first event in the group alone.
--
-- The functions are replaced whole, as they stood (0007, 0009 with 0010, 0011), with the keys
-- added.

CREATE OR REPLACE FUNCTION events_gap_free() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE log_head SET position = NEW.position, hash = NEW.hash, recorded_at = NEW.recorded_at
    WHERE singleton AND position = NEW.position - 1 AND hash = NEW.prev_hash;
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

CREATE OR REPLACE FUNCTION log_append(
    positions BIGINT[], streams TEXT[], stream_versions BIGINT[], types TEXT[], schema_versions BIGINT[],
    payloads TEXT[], metadatas TEXT[], recorded_ats TEXT[], prev_hashes TEXT[], hashes TEXT[]
) RETURNS BIGINT LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    inserted BIGINT;
BEGIN
    INSERT INTO events (position, stream, stream_version, type, schema_version, payload, metadata, recorded_at,
                        prev_hash, hash, previous_in_stream)
    SELECT e.position, e.stream, e.stream_version, e.type, e.schema_version, e.payload, e.metadata, e.recorded_at,
           e.prev_hash, e.hash,
           COALESCE(LAG(e.position) OVER (PARTITION BY e.stream ORDER BY e.position),
                    (SELECT h.position FROM stream_heads h WHERE h.stream = e.stream))
    FROM unnest(positions, streams, stream_versions, types, schema_versions, payloads, metadatas, recorded_ats,
                prev_hashes, hashes)
         AS e (position, stream, stream_version, type, schema_version, payload, metadata, recorded_at, prev_hash, hash)
    ORDER BY e.position;
    GET DIAGNOSTICS inserted = ROW_COUNT;
    RETURN inserted;
END
$$;

CREATE OR REPLACE FUNCTION log_lock_and_tail(after BIGINT, most BIGINT)
RETURNS TABLE (head_position BIGINT, head_hash TEXT, "position" BIGINT, stream TEXT, stream_version BIGINT, type TEXT,
               schema_version INTEGER, payload TEXT, metadata TEXT, recorded_at TEXT, prev_hash TEXT, hash TEXT,
               previous_in_stream BIGINT, hash_at TEXT, secrets TEXT, mail TEXT)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    head RECORD;
BEGIN
    SELECT l.position, l.hash INTO head FROM log_head l WHERE l.singleton FOR UPDATE;
    RETURN QUERY SELECT head.position, head.hash, t.* FROM log_tail(after, most) t;
END
$$;

CREATE OR REPLACE PROCEDURE log_commit_on_head(
    head_position BIGINT, head_hash TEXT,
    positions BIGINT[], streams TEXT[], stream_versions BIGINT[], types TEXT[], schema_versions BIGINT[],
    payloads TEXT[], metadatas TEXT[], recorded_ats TEXT[], prev_hashes TEXT[], hashes TEXT[],
    secret_refs TEXT[], secret_values TEXT[],
    mail_request_ids BIGINT[], mail_message_ids TEXT[], mail_senders TEXT[], mail_recipients TEXT[],
    mail_messages TEXT[], mail_queued_ats TEXT[],
    key_actors TEXT[], key_keys TEXT[], key_fingerprints TEXT[], key_answers TEXT[], key_positions BIGINT[],
    cursor_webhooks BIGINT[], cursor_positions BIGINT[],
    INOUT committed BOOLEAN DEFAULT NULL
) LANGUAGE plpgsql AS $$
DECLARE
    head RECORD;
    first_position BIGINT := positions[1];
    kept_keys      BIGINT;
BEGIN
    SELECT l.position, l.hash INTO head FROM log_head l WHERE l.singleton FOR UPDATE;
    IF head.position <> head_position OR head.hash <> head_hash THEN
        committed := false;
        RETURN;
    END IF;
    IF cardinality(positions) > 0 THEN
        PERFORM log_append(positions, streams, stream_versions, types, schema_versions, payloads, metadatas, recorded_ats,
                           prev_hashes, hashes);
    END IF;
    INSERT INTO secrets (ref, value, position)
    SELECT s.ref, s.value, first_position FROM unnest(secret_refs, secret_values) AS s (ref, value);
    INSERT INTO outbox_mail (request_id, message_id, sender, recipients, message, queued_at, position)
    SELECT m.request_id, m.message_id, m.sender, m.recipients, m.message, m.queued_at, COALESCE(first_position, 0)
    FROM unnest(mail_request_ids, mail_message_ids, mail_senders, mail_recipients, mail_messages, mail_queued_ats)
         AS m (request_id, message_id, sender, recipients, message, queued_at);
    INSERT INTO idempotency_keys (actor, key, fingerprint, answer, position)
    SELECT k.actor, k.key, k.fingerprint, k.answer, k.position
    FROM unnest(key_actors, key_keys, key_fingerprints, key_answers, key_positions) AS k (actor, key, fingerprint, answer, position)
    ON CONFLICT (actor, key) DO NOTHING;
    GET DIAGNOSTICS kept_keys = ROW_COUNT;
    IF kept_keys < cardinality(key_actors) THEN
        ROLLBACK;
        committed := false;
        RETURN;
    END IF;
    INSERT INTO webhook_cursors (webhook_id, position)
    SELECT c.webhook_id, c.position FROM unnest(cursor_webhooks, cursor_positions) AS c (webhook_id, position)
    ON CONFLICT (webhook_id) DO UPDATE SET position = GREATEST(webhook_cursors.position, excluded.position);
    COMMIT;
    committed := true;
END
$$;
