-- Before this migration every refunded upgrade had been fulfilled: a
-- redundant refund is given its recipient's current level as the level
-- before, which a later refund of another upgrade cannot lower below.
UPDATE upgrades u SET level_before = r.level FROM users r
    WHERE r.id = u.recipient_id AND u.status = 'refunded' AND u.level_before IS NULL;
ALTER TABLE upgrades DROP CONSTRAINT upgrades_level_before_when_fulfilled;
ALTER TABLE upgrades ADD CONSTRAINT upgrades_level_before_when_fulfilled
    CHECK ((level_before IS NOT NULL) = (status IN ('complete', 'refunded')));
DROP TABLE refund_outbox;
