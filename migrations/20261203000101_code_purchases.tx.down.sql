-- Code purchases have no place without a recipient: they go, with their
-- codes, owed refunds and history (the events keep their payloads).
DELETE FROM upgrade_codes WHERE upgrade_id IN (SELECT id FROM upgrades WHERE quantity > 0);
DELETE FROM refund_outbox WHERE upgrade_id IN (SELECT id FROM upgrades WHERE quantity > 0);
DELETE FROM upgrades WHERE quantity > 0;

ALTER TABLE upgrades DROP COLUMN is_gifted;
ALTER TABLE upgrades ADD COLUMN is_gifted boolean GENERATED ALWAYS AS (purchaser_id <> recipient_id) STORED;
CREATE INDEX upgrades_gifted_idx ON upgrades (is_gifted, id DESC);
CREATE INDEX upgrades_gifts_received_idx ON upgrades (recipient_id, id DESC) WHERE is_gifted;

ALTER TABLE upgrades DROP CONSTRAINT upgrades_level_before_when_fulfilled;
ALTER TABLE upgrades ADD CONSTRAINT upgrades_level_before_when_fulfilled
    CHECK ((status <> 'complete' OR level_before IS NOT NULL) AND (level_before IS NULL OR status IN ('complete', 'refunded')));
ALTER TABLE upgrades
    DROP CONSTRAINT upgrades_codes_type,
    DROP CONSTRAINT upgrades_codes_have_no_recipient,
    ALTER COLUMN recipient_id SET NOT NULL,
    DROP COLUMN quantity;
