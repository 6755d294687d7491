ALTER TABLE upgrades
    DROP CONSTRAINT upgrades_gift_note_only_gifts,
    DROP COLUMN gift_note;
