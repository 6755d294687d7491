DROP TABLE sales_daily;
ALTER TABLE upgrades DROP COLUMN paid_at;
