DROP TABLE stripe_events;
DROP TABLE upgrade_history;
DROP TABLE upgrades;
