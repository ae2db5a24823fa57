-- One seek, not a scan, for "does this exchange already have a live session with this address".
--
-- addSession and updateSession refuse a second live session for a peer address at an exchange.
-- With sessions_by_exchange on (public_id, deleted) alone, that check visited every live session
-- of the exchange (a table row each, to compare its address): about 1,000 rows per command at a
-- large exchange. The same index with the address as its last column answers it from the index,
-- and still serves every read that filtered by exchange (getSessions, the peer directory) as its
-- prefix. An insert still writes one entry in one index, as before.
DROP INDEX sessions_by_exchange;
CREATE INDEX sessions_by_exchange ON sessions (public_id, deleted, peer_ipaddr);
