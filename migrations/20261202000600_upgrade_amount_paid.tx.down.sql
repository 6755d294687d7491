ALTER TABLE upgrades
    DROP CONSTRAINT upgrades_amount_paid_check,
    DROP COLUMN amount_discount,
    DROP COLUMN amount_paid;
