-- Allowances of the throttles (failed logins per name and network, per
-- network and per name; sign-ups per network), shared by every replica:
-- a token bucket per key, its level as of updated_at. A missing row is a
-- full bucket. Unlogged: a crash of PostgreSQL forgets the counts, which
-- only gives guessers one fresh allowance, and keeps these frequent small
-- writes out of the WAL.
CREATE UNLOGGED TABLE throttles (
    key        text PRIMARY KEY,
    tokens     double precision NOT NULL,
    updated_at timestamptz NOT NULL
);
-- Rows long refilled are swept by age.
CREATE INDEX throttles_updated_at_idx ON throttles (updated_at);
