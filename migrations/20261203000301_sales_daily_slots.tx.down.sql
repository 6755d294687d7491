-- Every slot added into one row per day, type and currency again.
CREATE TEMPORARY TABLE sales_daily_merged ON COMMIT DROP AS
    SELECT day, upgrade_type, currency, sum(sales) AS sales, sum(sales_amount) AS sales_amount,
           sum(refunds) AS refunds, sum(refunds_amount) AS refunds_amount
    FROM sales_daily GROUP BY day, upgrade_type, currency;
DELETE FROM sales_daily;
ALTER TABLE sales_daily
    DROP CONSTRAINT sales_daily_pkey,
    DROP COLUMN slot,
    ADD CONSTRAINT sales_daily_pkey PRIMARY KEY (day, upgrade_type, currency);
INSERT INTO sales_daily (day, upgrade_type, currency, sales, sales_amount, refunds, refunds_amount)
    SELECT day, upgrade_type, currency, sales, sales_amount, refunds, refunds_amount FROM sales_daily_merged;
