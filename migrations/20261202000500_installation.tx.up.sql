-- The installation: one row, made once, naming this database at Stripe.
-- Idempotency keys and checkout metadata carry it, so that a reset
-- database or a second environment on the same Stripe account never
-- reuses a key, and recognises the events of the other (SPEC §3).
CREATE TABLE installation (
    one        boolean PRIMARY KEY DEFAULT true CONSTRAINT installation_one_row CHECK (one),
    id         text NOT NULL CONSTRAINT installation_id_shape CHECK (id ~ '^[0-9a-f]{32}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO installation (id) VALUES (replace(gen_random_uuid()::text, '-', ''));

-- Another installation's event is recorded as foreign.
ALTER TABLE stripe_events DROP CONSTRAINT stripe_events_outcome_known;
ALTER TABLE stripe_events ADD CONSTRAINT stripe_events_outcome_known
    CHECK (outcome IN ('applied', 'ignored', 'anomaly', 'noted', 'unhandled', 'unmatched', 'foreign'));
