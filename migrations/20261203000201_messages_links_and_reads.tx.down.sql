DROP INDEX messages_unread_idx;
ALTER TABLE messages
    DROP COLUMN read_at,
    DROP COLUMN upgrade_id;
