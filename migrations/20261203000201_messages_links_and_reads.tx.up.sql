-- A message links to the upgrade it is about (NULL for one about no
-- upgrade of the shop, such as a dispute that matches none) and remembers
-- when its user first saw it (NULL while unread): every page shows the
-- unread count, read through the partial index.
ALTER TABLE messages
    ADD COLUMN upgrade_id bigint
        CONSTRAINT messages_upgrade_fkey REFERENCES upgrades (id) ON DELETE SET NULL,
    ADD COLUMN read_at timestamptz;

CREATE INDEX messages_unread_idx ON messages (user_id) WHERE read_at IS NULL;
