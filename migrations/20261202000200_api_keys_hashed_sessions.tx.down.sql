-- The API keys stay hashed: a SHA-256 digest cannot be turned back into
-- the key, so this cannot bring the plain text back. Code from before
-- this migration compares keys in plain text and so accepts none of them;
-- after rolling back, give users new keys.
COMMENT ON COLUMN users.api_key IS NULL;
ALTER TABLE users DROP COLUMN session_generation;
