DROP INDEX stripe_events_outcome_idx;
DROP INDEX stripe_events_received_idx;
