-- The gifts someone received, newest first: the "received" half of a
-- member's own list. Without it that half walks every upgrade the member
-- is the recipient of, their own purchases included, to find the few that
-- others bought them; for a customer who buys often, at a million
-- upgrades, that is thousands of rows for a page of twenty.
CREATE INDEX upgrades_gifts_received_idx ON upgrades (recipient_id, id DESC) WHERE is_gifted;
