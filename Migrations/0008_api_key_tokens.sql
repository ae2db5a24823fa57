-- Bearer tokens for APIv2, from the same keys as APIv1's HMAC signatures.
--
-- A key created from now on has a token beside its secret; only the token's SHA-256 (hex) is
-- kept, so the table cannot hand a token back. Keys made before have none (NULL): they keep
-- signing APIv1 calls and are never matched by a bearer token. `scope` is read, write or admin;
-- NULL (older keys) means what read_only says: read, else write.
ALTER TABLE api_keys ADD COLUMN token_sha256 TEXT;
ALTER TABLE api_keys ADD COLUMN scope TEXT CHECK (scope IN ('read', 'write', 'admin'));
CREATE UNIQUE INDEX api_keys_by_token ON api_keys (token_sha256) WHERE token_sha256 IS NOT NULL;
