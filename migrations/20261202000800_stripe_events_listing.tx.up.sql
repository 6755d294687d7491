-- `upgrades events list` reads the newest events, all of them or one type
-- (received_at), or those of one outcome (outcome, received_at): without
-- these it sorts the whole table, seconds at a million events.
CREATE INDEX stripe_events_received_idx ON stripe_events (received_at DESC, id DESC);
CREATE INDEX stripe_events_outcome_idx ON stripe_events (outcome, received_at DESC, id DESC) WHERE outcome IS NOT NULL;
