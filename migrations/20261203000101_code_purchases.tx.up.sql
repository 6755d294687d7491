-- A purchase of upgrade codes is an upgrade row (one purchase aggregate,
-- one payment machinery): quantity 1 to 10 codes and no recipient, where
-- an upgrade for someone has quantity 0 and its recipient. It is no gift,
-- so the generated is_gifted is rebuilt to say false for it (a stored
-- generated column cannot be altered: it is dropped with its indexes and
-- added again, which rewrites the table once).
ALTER TABLE upgrades
    ADD COLUMN quantity smallint NOT NULL DEFAULT 0
        CONSTRAINT upgrades_quantity_range CHECK (quantity BETWEEN 0 AND 10),
    ALTER COLUMN recipient_id DROP NOT NULL,
    ADD CONSTRAINT upgrades_codes_have_no_recipient CHECK ((quantity = 0) = (recipient_id IS NOT NULL)),
    ADD CONSTRAINT upgrades_codes_type CHECK (quantity = 0 OR upgrade_type IN ('gold', 'platinum'));

-- A code purchase raises no level: complete without a level before.
ALTER TABLE upgrades DROP CONSTRAINT upgrades_level_before_when_fulfilled;
ALTER TABLE upgrades ADD CONSTRAINT upgrades_level_before_when_fulfilled
    CHECK ((status <> 'complete' OR level_before IS NOT NULL OR quantity > 0) AND (level_before IS NULL OR status IN ('complete', 'refunded')));

ALTER TABLE upgrades DROP COLUMN is_gifted;
ALTER TABLE upgrades ADD COLUMN is_gifted boolean GENERATED ALWAYS AS (coalesce(purchaser_id <> recipient_id, false)) STORED;
CREATE INDEX upgrades_gifted_idx ON upgrades (is_gifted, id DESC);
CREATE INDEX upgrades_gifts_received_idx ON upgrades (recipient_id, id DESC) WHERE is_gifted;
