-- What the buyer paid once the checkout settled (Stripe's amount_total)
-- and what promotion codes took off; NULL until the payment provider said.
-- amount stays the price the upgrade was sold at, which payments match on.
ALTER TABLE upgrades
    ADD COLUMN amount_paid bigint,
    ADD COLUMN amount_discount bigint,
    ADD CONSTRAINT upgrades_amount_paid_check CHECK (
        (amount_paid IS NULL AND amount_discount IS NULL)
        OR (amount_paid >= 0 AND amount_discount >= 0 AND amount_paid <= amount)
    );
