-- Refunds the shop owes (SPEC §2: redundant payments), written in the
-- transaction that decided them and sent to Stripe after it commits. A
-- row holds the exact request; it is resent unchanged, so its idempotency
-- key makes it one refund however often it is sent. A sender leases the
-- row (lease_until) so that replicas do not send it at once.
CREATE TABLE refund_outbox (
    id                bigserial PRIMARY KEY,
    upgrade_id        bigint NOT NULL REFERENCES upgrades (id),
    payment_intent_id text NOT NULL CONSTRAINT refund_outbox_payment_intent_present CHECK (payment_intent_id <> ''),
    idempotency_key   text NOT NULL CONSTRAINT refund_outbox_one_per_key UNIQUE,
    created_at        timestamptz NOT NULL,
    lease_until       timestamptz NOT NULL,
    attempts          integer NOT NULL DEFAULT 0,
    last_error        text,
    refund_id         text,
    done_at           timestamptz,
    gave_up_at        timestamptz
);

-- The rows still owed, in the order they are sent.
CREATE INDEX refund_outbox_owed ON refund_outbox (id) WHERE done_at IS NULL AND gave_up_at IS NULL;

-- A redundant payment's upgrade ends refunded without ever being
-- fulfilled: it has no level before.
ALTER TABLE upgrades DROP CONSTRAINT upgrades_level_before_when_fulfilled;
ALTER TABLE upgrades ADD CONSTRAINT upgrades_level_before_when_fulfilled
    CHECK ((status <> 'complete' OR level_before IS NOT NULL) AND (level_before IS NULL OR status IN ('complete', 'refunded')));
