-- Each day, type and currency of sales_daily is split in 16 slots (the
-- upgrade's id modulo 16) that readers add up: the row a fulfilment
-- updates is held until its commit, and concurrent fulfilments of one day,
-- type and currency then seldom wait for each other. What is there stays
-- in slot 0.
ALTER TABLE sales_daily
    ADD COLUMN slot smallint NOT NULL DEFAULT 0 CONSTRAINT sales_daily_slot_check CHECK (slot BETWEEN 0 AND 15),
    DROP CONSTRAINT sales_daily_pkey,
    ADD CONSTRAINT sales_daily_pkey PRIMARY KEY (day, upgrade_type, currency, slot);
