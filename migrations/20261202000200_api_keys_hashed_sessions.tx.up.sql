-- API keys are kept as the hex SHA-256 of the key, never the key itself:
-- someone who reads the table (a backup, a replica, a leaked dump) can no
-- longer act as every user. The keys already stored are hashed here, so
-- their users keep them. A key the shop makes is 43 base64url characters,
-- never 64 hex digits, so a value that already looks like a digest is one
-- and is left alone: running this again after a down hashes nothing twice.
UPDATE users SET api_key = encode(sha256(convert_to(api_key, 'UTF8')), 'hex')
WHERE api_key !~ '^[0-9a-f]{64}$';
COMMENT ON COLUMN users.api_key IS 'SHA-256 of the API key, in hex; the key itself is never stored';

-- Every session cookie carries the generation of its user's sessions;
-- raising it (logout, a password change, a ban, `upgrades users revoke`)
-- ends every session of the user at once, checked on the row that an
-- authenticated request reads anyway.
ALTER TABLE users ADD COLUMN session_generation bigint NOT NULL DEFAULT 0;
