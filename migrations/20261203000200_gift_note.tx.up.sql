-- A gift's note from its purchaser to its recipient: plain text on one
-- line, at most 280 characters; empty when there is none. The domain
-- refuses the rest with a clear message; the checks keep any other writer
-- to the same rule.
ALTER TABLE upgrades
    ADD COLUMN gift_note text NOT NULL DEFAULT ''
        CONSTRAINT upgrades_gift_note_length CHECK (char_length(gift_note) <= 280)
        CONSTRAINT upgrades_gift_note_plain CHECK (gift_note !~ '[[:cntrl:]]'),
    ADD CONSTRAINT upgrades_gift_note_only_gifts CHECK (gift_note = '' OR purchaser_id <> recipient_id);
