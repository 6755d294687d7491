-- Upgrades: one purchase each, for oneself or as a gift.
CREATE TABLE upgrades (
    id                  bigserial PRIMARY KEY,
    purchaser_id        bigint NOT NULL
        CONSTRAINT upgrades_purchaser_fkey REFERENCES users (id),
    recipient_id        bigint NOT NULL
        CONSTRAINT upgrades_recipient_fkey REFERENCES users (id),
    -- Stored so that the list's "gifted" filter can use an index.
    is_gifted           boolean GENERATED ALWAYS AS (purchaser_id <> recipient_id) STORED,
    upgrade_type        text NOT NULL
        CONSTRAINT upgrades_type_known CHECK (upgrade_type IN ('gold', 'platinum', 'gold_to_platinum')),
    status              text NOT NULL
        CONSTRAINT upgrades_status_known CHECK (status IN ('pending', 'processing', 'complete', 'failed', 'expired', 'refunded')),
    amount              bigint NOT NULL
        CONSTRAINT upgrades_amount_positive CHECK (amount > 0),
    currency            text NOT NULL
        CONSTRAINT upgrades_currency_format CHECK (currency ~ '^[a-z]{3}$'),
    checkout_session_id text,
    checkout_url        text,
    session_expires_at  timestamptz,
    payment_intent_id   text,
    -- The recipient's level before fulfilment, to revert to on refund.
    level_before        smallint
        CONSTRAINT upgrades_level_before_known CHECK (level_before IN (10, 20, 30, 31, 32, 40, 50, 60)),
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    -- Until when a reconciler replica owns this upgrade (NULL: nobody).
    lease_until         timestamptz,

    -- A checkout is attached whole: its session and the page to pay on.
    CONSTRAINT upgrades_checkout_whole CHECK ((checkout_session_id IS NULL) = (checkout_url IS NULL)),
    -- Only fulfilment records the level before, and it always does: an
    -- upgrade is complete or refunded exactly when it knows that level.
    CONSTRAINT upgrades_level_before_when_fulfilled CHECK ((level_before IS NOT NULL) = (status IN ('complete', 'refunded')))
);

-- One checkout session and one payment belong to one upgrade.
CREATE UNIQUE INDEX upgrades_checkout_session_key ON upgrades (checkout_session_id) WHERE checkout_session_id IS NOT NULL;
CREATE UNIQUE INDEX upgrades_payment_intent_key ON upgrades (payment_intent_id) WHERE payment_intent_id IS NOT NULL;

-- The list is newest first (the primary key, read backwards); each filter
-- has an index that yields its rows already in that order.
CREATE INDEX upgrades_recipient_idx ON upgrades (recipient_id, id DESC);
CREATE INDEX upgrades_purchaser_idx ON upgrades (purchaser_id, id DESC);
CREATE INDEX upgrades_status_idx ON upgrades (status, id DESC);
CREATE INDEX upgrades_type_idx ON upgrades (upgrade_type, id DESC);
CREATE INDEX upgrades_gifted_idx ON upgrades (is_gifted, id DESC);
-- The reconciler looks only at open upgrades, a small part of the table.
CREATE INDEX upgrades_open_idx ON upgrades (updated_at, id) WHERE status IN ('pending', 'processing');

-- Every status change of an upgrade and its cause, in order.
CREATE TABLE upgrade_history (
    upgrade_id  bigint NOT NULL
        CONSTRAINT upgrade_history_upgrade_fkey REFERENCES upgrades (id) ON DELETE CASCADE,
    seq         integer NOT NULL
        CONSTRAINT upgrade_history_seq_positive CHECK (seq > 0),
    at          timestamptz NOT NULL,
    from_status text
        CONSTRAINT upgrade_history_from_known CHECK (from_status IN ('pending', 'processing', 'complete', 'failed', 'expired', 'refunded')),
    to_status   text NOT NULL
        CONSTRAINT upgrade_history_to_known CHECK (to_status IN ('pending', 'processing', 'complete', 'failed', 'expired', 'refunded')),
    event       text
        CONSTRAINT upgrade_history_event_known CHECK (event IN (
            'checkout_paid', 'checkout_unpaid', 'async_succeeded', 'async_failed', 'session_expired',
            'checkout_failed', 'refunded', 'dispute_lost', 'dispute_opened', 'fraud_warning', 'mismatch')),
    outcome     text NOT NULL
        CONSTRAINT upgrade_history_outcome_known CHECK (outcome IN ('applied', 'ignored', 'anomaly', 'noted')),
    cause       text NOT NULL DEFAULT '',
    note        text NOT NULL DEFAULT '',
    PRIMARY KEY (upgrade_id, seq)
);

-- Payment provider events by id: each is applied once, and kept for audit.
CREATE TABLE stripe_events (
    id           text PRIMARY KEY
        CONSTRAINT stripe_events_id_present CHECK (id <> ''),
    type         text NOT NULL DEFAULT '',
    livemode     boolean NOT NULL,
    -- The raw body as signed, byte for byte.
    payload      bytea,
    received_at  timestamptz NOT NULL,
    processed_at timestamptz,
    outcome      text
        CONSTRAINT stripe_events_outcome_known CHECK (outcome IN ('applied', 'ignored', 'anomaly', 'noted', 'unhandled', 'unmatched')),
    upgrade_id   bigint
        CONSTRAINT stripe_events_upgrade_fkey REFERENCES upgrades (id) ON DELETE SET NULL,
    attempts     integer NOT NULL DEFAULT 1
        CONSTRAINT stripe_events_attempts_positive CHECK (attempts > 0),
    last_error   text,

    -- An event is processed exactly when its outcome is known.
    CONSTRAINT stripe_events_outcome_when_processed CHECK ((processed_at IS NULL) = (outcome IS NULL))
);

-- Events whose processing failed and awaits a redelivery, for operators.
CREATE INDEX stripe_events_unprocessed_idx ON stripe_events (received_at) WHERE processed_at IS NULL;
