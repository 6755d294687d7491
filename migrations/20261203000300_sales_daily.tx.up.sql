-- When an upgrade's payment settled: the day it counts as a sale.
ALTER TABLE upgrades ADD COLUMN paid_at timestamptz;

-- Upgrades paid before this column: the first time their history reached
-- complete, or refunded straight from an unpaid status (a redundant
-- payment, refunded as it arrived).
UPDATE upgrades u SET paid_at = coalesce((
    SELECT min(h.at) FROM upgrade_history h
    WHERE h.upgrade_id = u.id AND h.to_status IN ('complete', 'refunded')
      AND (h.from_status IS NULL OR h.from_status NOT IN ('complete', 'refunded'))
), u.updated_at)
WHERE u.status IN ('complete', 'refunded');

-- Sales and refunds per day (UTC), type and currency, kept by the
-- statement that saves a payment's outcome, so the sales page reads at
-- most a row per day, type and currency instead of every upgrade.
CREATE TABLE sales_daily (
    day            date NOT NULL,
    upgrade_type   text NOT NULL,
    currency       text NOT NULL,
    sales          bigint NOT NULL DEFAULT 0 CONSTRAINT sales_daily_sales_check CHECK (sales >= 0),
    sales_amount   bigint NOT NULL DEFAULT 0 CONSTRAINT sales_daily_sales_amount_check CHECK (sales_amount >= 0),
    refunds        bigint NOT NULL DEFAULT 0 CONSTRAINT sales_daily_refunds_check CHECK (refunds >= 0),
    refunds_amount bigint NOT NULL DEFAULT 0 CONSTRAINT sales_daily_refunds_amount_check CHECK (refunds_amount >= 0),
    PRIMARY KEY (day, upgrade_type, currency)
);

-- What was sold and refunded before the table existed.
INSERT INTO sales_daily (day, upgrade_type, currency, sales, sales_amount, refunds, refunds_amount)
SELECT day, upgrade_type, currency, sum(sales), sum(sales_amount), sum(refunds), sum(refunds_amount)
FROM (
    SELECT (paid_at AT TIME ZONE 'UTC')::date AS day, upgrade_type, currency,
           1 AS sales, coalesce(amount_paid, amount) AS sales_amount, 0 AS refunds, 0 AS refunds_amount
    FROM upgrades WHERE paid_at IS NOT NULL
    UNION ALL
    SELECT (coalesce((
               SELECT min(h.at) FROM upgrade_history h
               WHERE h.upgrade_id = u.id AND h.to_status = 'refunded' AND h.from_status IS DISTINCT FROM 'refunded'
           ), u.updated_at) AT TIME ZONE 'UTC')::date, upgrade_type, currency,
           0, 0, 1, coalesce(amount_paid, amount)
    FROM upgrades u WHERE status = 'refunded'
) AS facts
GROUP BY day, upgrade_type, currency;
