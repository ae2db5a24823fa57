-- The functions of a node's lock, catch-up and commit keep one plan each for the connection.
--
-- `log_tail` was a SQL function, inlined into whatever called it and so planned at every call:
-- about 0.22 ms of planning for 0.03 ms of work (`EXPLAIN (ANALYZE, SUMMARY)`), under the
-- head's lock when `log_lock_and_tail` calls it. In PL/pgSQL its statements are prepared once
-- per connection. A copy from nothing (`after` 0) takes every secret and message, those kept
-- before secrets had positions included; any other call only those after `after`, by their
-- position indexes: two branches, so that neither predicate needs an `OR` an index cannot serve.
--
-- PL/pgSQL plans a statement for the values of its first calls and only then may keep a generic
-- plan; these statements' generic plans are the ones wanted (an index range from a parameter,
-- a LIMIT), so the three functions ask for them from the first call (`plan_cache_mode`).
-- pgbench, `synchronous_commit=off`: a lock with its catch-up 0.49 ms a call before, 0.25–0.27
-- after (a plain lock alone 0.19–0.20); a one-event `log_append` 0.52–0.58 ms, 0.47–0.50 after.
CREATE OR REPLACE FUNCTION log_tail(after BIGINT, most BIGINT)
RETURNS TABLE ("position" BIGINT, stream TEXT, stream_version BIGINT, type TEXT, schema_version INTEGER, payload TEXT,
               metadata TEXT, recorded_at TEXT, prev_hash TEXT, hash TEXT, previous_in_stream BIGINT,
               hash_at TEXT, secrets TEXT, mail TEXT)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    kept_secrets TEXT;
    kept_mail    TEXT;
BEGIN
    IF after = 0 THEN
        SELECT json_agg(json_build_array(s.ref, s.value))::text INTO kept_secrets FROM secrets s;
        SELECT json_agg(json_build_array(m.request_id::text, m.message_id, m.sender, m.recipients, m.message, m.queued_at))::text
        INTO kept_mail FROM outbox_mail m;
    ELSE
        SELECT json_agg(json_build_array(s.ref, s.value))::text INTO kept_secrets FROM secrets s WHERE s.position > after;
        SELECT json_agg(json_build_array(m.request_id::text, m.message_id, m.sender, m.recipients, m.message, m.queued_at))::text
        INTO kept_mail FROM outbox_mail m WHERE m.position > after;
    END IF;
    RETURN QUERY
        SELECT e.position, e.stream, e.stream_version, e.type, e.schema_version, e.payload, e.metadata, e.recorded_at,
               e.prev_hash, e.hash, e.previous_in_stream, x.hash_at,
               CASE WHEN e.position IS NULL OR e.position = after + 1 THEN kept_secrets END,
               CASE WHEN e.position IS NULL OR e.position = after + 1 THEN kept_mail END
        FROM (SELECT (SELECT h.hash FROM events h WHERE h.position = after) AS hash_at) x
        LEFT JOIN LATERAL (SELECT * FROM events t WHERE t.position > after ORDER BY t.position LIMIT most) e ON TRUE;
END
$$;

ALTER FUNCTION log_lock_and_tail(BIGINT, BIGINT) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION log_append(BIGINT[], TEXT[], BIGINT[], TEXT[], BIGINT[], TEXT[], TEXT[], TEXT[], TEXT[], TEXT[])
    SET plan_cache_mode = force_generic_plan;
