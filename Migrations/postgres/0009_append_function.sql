-- A node's commit inserts its group's events through a function, so the server plans the insert
-- once per connection instead of once per commit.
--
-- The events come as arrays, one per column, in position order (`PostgresEventStore.insert`).
-- Sent as a plain statement, the insert was parsed and planned at every commit, about 0.15 ms
-- of work done while the node held the head's lock; PL/pgSQL keeps the plan of the statement
-- inside a function for the session, and the call itself costs next to nothing to plan. Each
-- event's link to its stream's event before it (`previous_in_stream`) is the one before it among
-- these events, or else its stream's head; the log's insert trigger checks each row, in position
-- order, against the heads the rows before it moved. Runs with the caller's rights (INSERT on
-- `events`). Returns how many events it inserted.
CREATE FUNCTION log_append(
    positions BIGINT[], streams TEXT[], stream_versions BIGINT[], types TEXT[], schema_versions BIGINT[],
    payloads TEXT[], metadatas TEXT[], recorded_ats TEXT[], prev_hashes TEXT[], hashes TEXT[]
) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    inserted BIGINT;
BEGIN
    INSERT INTO events (position, stream, stream_version, type, schema_version, payload, metadata, recorded_at,
                        prev_hash, hash, previous_in_stream)
    SELECT e.position, e.stream, e.stream_version, e.type, e.schema_version, e.payload, e.metadata, e.recorded_at,
           e.prev_hash, e.hash, COALESCE(LAG(e.position) OVER (PARTITION BY e.stream ORDER BY e.position), h.position)
    FROM unnest(positions, streams, stream_versions, types, schema_versions, payloads, metadatas, recorded_ats,
                prev_hashes, hashes)
         AS e (position, stream, stream_version, type, schema_version, payload, metadata, recorded_at, prev_hash, hash)
    LEFT JOIN stream_heads h ON h.stream = e.stream
    ORDER BY e.position;
    GET DIAGNOSTICS inserted = ROW_COUNT;
    RETURN inserted;
END
$$;
