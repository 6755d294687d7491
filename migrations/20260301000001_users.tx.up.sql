-- Accounts. The checks repeat the domain's rules so that no other writer
-- can store a user the application could not load.
CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL
        CONSTRAINT users_name_format CHECK (name ~ '^[A-Za-z0-9_-]{2,32}$'),
    email         text
        CONSTRAINT users_email_format CHECK (length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 1),
    password_hash text NOT NULL
        CONSTRAINT users_password_hash_present CHECK (password_hash <> ''),
    api_key       text NOT NULL
        CONSTRAINT users_api_key_present CHECK (api_key <> ''),
    -- The level's rank (restricted 10 ... owner 60): ordered, so "at least
    -- gold" is a comparison.
    level         smallint NOT NULL
        CONSTRAINT users_level_known CHECK (level IN (10, 20, 30, 31, 32, 40, 50, 60)),
    banned        boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Names are unique whatever their case: "Alice" and "alice" are one user.
CREATE UNIQUE INDEX users_name_lower_key ON users (lower(name));
CREATE UNIQUE INDEX users_api_key_key ON users (api_key);
-- Owners are told about disputes and anomalies; there are few of them.
CREATE INDEX users_owners_idx ON users (id) WHERE level >= 60;

-- In-app notifications, read newest first.
CREATE TABLE messages (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL
        CONSTRAINT messages_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    body       text NOT NULL
        CONSTRAINT messages_body_present CHECK (btrim(body) <> ''),
    created_at timestamptz NOT NULL
);

CREATE INDEX messages_user_newest_idx ON messages (user_id, id DESC);
