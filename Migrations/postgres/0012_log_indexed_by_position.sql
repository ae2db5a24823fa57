-- The log is indexed by position alone, as SQLite's is.
--
-- `events` had two more unique indexes, over `hash` and over (`stream`, `stream_version`), each
-- written by every event's insert. Their keys fall all over the index (a hash is random; a
-- stream's next version sits among that stream's others), so each insert writes a leaf page of
-- its own, and the first write to a page after a checkpoint puts the whole page into the WAL.
-- pgbench on a table of a million such rows, single-row inserts right after a checkpoint: about
-- 11,800 bytes of WAL an insert with both, 6,200 with the stream's alone, 680 with neither.
--
-- What they refused is refused already. A version that does not follow its stream's head, or a
-- second first event of a stream, is refused by the insert trigger (`events_gap_free`, 0007),
-- which moves `stream_heads` only from the version before. A hash equal to an earlier one is no
-- correct writer's: each hash covers its predecessor's, and the trigger takes an event only when
-- its `prev_hash` is the head's hash; a wrong hash, repeated or not, is what `verify` finds, as
-- it recomputes every hash, version and link. Nothing looks an event up by its hash, and one
-- stream's events are read by walking back from its head along `previous_in_stream`, one key
-- lookup per event (`PostgresEventStore.streamChain`).
ALTER TABLE events DROP CONSTRAINT events_hash_key;
ALTER TABLE events DROP CONSTRAINT events_stream_stream_version_key;
