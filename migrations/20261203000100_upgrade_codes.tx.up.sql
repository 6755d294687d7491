-- Upgrade codes (SPEC §9): prepaid upgrades anyone can redeem once. A code
-- belongs to its buyer: the purchaser of upgrade_id, or the owner who
-- minted it (upgrade_id null). Redeeming records the redeemer, when, and
-- their level before, so that a refund of the purchase can revert them by
-- the refund rule. The unique value is what makes a code redeemable once
-- to look up; the status check under the row lock makes it redeemed once.
CREATE TABLE upgrade_codes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code         text NOT NULL
        CONSTRAINT upgrade_codes_code_key UNIQUE
        CONSTRAINT upgrade_codes_code_format CHECK (code ~ '^[2-9A-HJKMNP-TV-Z]{12}$'),
    upgrade_type text NOT NULL CONSTRAINT upgrade_codes_type_known CHECK (upgrade_type IN ('gold', 'platinum')),
    status       text NOT NULL DEFAULT 'unused'
        CONSTRAINT upgrade_codes_status_known CHECK (status IN ('unused', 'redeemed', 'void')),
    upgrade_id   bigint REFERENCES upgrades (id),
    buyer_id     bigint NOT NULL REFERENCES users (id),
    note         text NOT NULL DEFAULT ''
        CONSTRAINT upgrade_codes_note_length CHECK (char_length(note) <= 280),
    redeemer_id  bigint REFERENCES users (id),
    redeemed_at  timestamptz,
    level_before smallint
        CONSTRAINT upgrade_codes_level_before_known CHECK (level_before IN (10, 20, 30, 31, 32, 40, 50, 60)),
    created_at   timestamptz NOT NULL,
    -- A redeemed code says by whom, when and from which level; a code
    -- voided after its redemption keeps them (it can only be voided unused
    -- today, but the history of who held a level must not be lost).
    CONSTRAINT upgrade_codes_redemption CHECK (
        (status = 'redeemed') <= (redeemer_id IS NOT NULL AND redeemed_at IS NOT NULL AND level_before IS NOT NULL)
        AND (redeemer_id IS NULL) = (redeemed_at IS NULL)
        AND (redeemer_id IS NULL) = (level_before IS NULL))
);
CREATE INDEX upgrade_codes_upgrade_idx ON upgrade_codes (upgrade_id) WHERE upgrade_id IS NOT NULL;
CREATE INDEX upgrade_codes_buyer_idx ON upgrade_codes (buyer_id, id DESC);
CREATE INDEX upgrade_codes_redeemer_idx ON upgrade_codes (redeemer_id, id DESC) WHERE redeemer_id IS NOT NULL;
