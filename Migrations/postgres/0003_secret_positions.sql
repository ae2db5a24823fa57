-- Each secret's position: that of the first event of the command that kept it (NULL for secrets
-- kept before this column, and for those `peerledger store copy` brings). A node's copy of the
-- log fetches, with the events it copies in after its head, the secrets kept with them; a copy
-- made from nothing fetches every secret.
ALTER TABLE secrets ADD COLUMN position BIGINT;
CREATE INDEX secrets_by_position ON secrets (position);
