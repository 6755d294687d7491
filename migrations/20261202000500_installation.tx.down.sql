-- Foreign events touched nothing: before this migration they were
-- recorded as events about no upgrade of this shop.
UPDATE stripe_events SET outcome = 'unmatched' WHERE outcome = 'foreign';
ALTER TABLE stripe_events DROP CONSTRAINT stripe_events_outcome_known;
ALTER TABLE stripe_events ADD CONSTRAINT stripe_events_outcome_known
    CHECK (outcome IN ('applied', 'ignored', 'anomaly', 'noted', 'unhandled', 'unmatched'));
DROP TABLE installation;
