-- A node's commit in one statement, on the head its copy stands at: no lock taken before.
--
-- A node alone on the log (or writing while the others are idle) decided each command under a
-- lock it took for nothing: `BEGIN`, `log_lock_and_tail`, `log_append` and `COMMIT`, four round
-- trips, the head locked through the last three. While no other node moves the head (`HeadMode`
-- in GroupCommit.swift says when a node expects so), a node now runs the command on its copy at
-- once and hands the record one `CALL log_commit_on_head`: it locks
-- the head, and commits the events with the secrets and mail kept beside them only when the head
-- is still the copy's (position and hash); otherwise it keeps nothing, and the node runs the
-- command again under the lock (`Ledger.lockAndLevel`), on its copy brought level.
--
-- A procedure, not a function, because it commits: its `COMMIT` is the transaction's, made
-- durable (and waited for on a synchronous standby) before the call answers, so an answer that
-- says `committed` means what a `COMMIT` answered means. The call must come outside a transaction
-- block. A procedure that commits may not carry `SET` clauses; the insert runs in `log_append`,
-- whose plan is kept as before. Runs with the caller's rights.
--
-- The commands may have read an idempotency record outside the lock: one another node kept
-- after that read came with events (the head moved) or, if it came alone, holds the key this
-- commit would keep; either way nothing is kept and the node runs its commands again under the
-- lock, where it reads the record another node kept.
--
-- `committed` is true when the events (and what came with them) are kept, false when the head
-- had moved (or an idempotency key was taken) and nothing was.
CREATE PROCEDURE log_commit_on_head(
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
    SELECT l.position, l.hash INTO head FROM log_head l FOR UPDATE;
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
