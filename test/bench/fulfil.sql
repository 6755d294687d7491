-- The SQL of one webhook fulfilment, for pgbench: what the server sends
-- PostgreSQL for a signed checkout.session.completed (paid) of a fresh
-- pending Gold upgrade that a member bought for themselves, query by
-- query, in order, in one read-committed transaction: BEGIN goes in the
-- first query and COMMIT in the last, as pgbench's \; sends them.
--
-- It was written from the statements the server sends, as recorded on the
-- wire between the server and PostgreSQL (the server uses the simple query
-- protocol: every statement arrives as text with its values in it). Each
-- run of the benchmark records them again and refuses to run this script
-- unless its statements are the same, values aside.
--
-- Every client takes its own fresh upgrades: client c's n-th transaction
-- fulfils upgrade first_upgrade + c * per_client + n - 1, which the user
-- first_user + (the same offset), called pg<user id>, is buying. The
-- payload is a real event's body in bytea's escape format, as the
-- server writes it; now and expires are timestamps.
-- The event reports its totals, as a real Checkout Session's does
-- (total_details), so what was paid is saved.
--
--   pgbench -n -M simple -c C -j J -t per_client -f fulfil.sql \
--     -D n=0 -D random_ids=0 -D first_upgrade=… -D first_user=… -D per_client=… \
--     -D now='2026-01-01 00:00:00+00:00' -D expires='…' -D sim=http://… -D payload='{\012  "api_version"…' DATABASE_URL

\set n :n + 1
\set id :first_upgrade + :client_id * :per_client + :n - 1
\set user :id - :first_upgrade + :first_user
\set tag :id + 100000000000000000
-- The event's and the payment's ids: the upgrade's tag, in the order of
-- the upgrades, or (random_ids=1, at a fixed rate, where the server is
-- sent Stripe's random ids) a permutation of it, unique and in random
-- order, so that both insert into the same indexes in the same way.
\set ev :tag
\if :random_ids
\set ev permute(:id, 900000000000000000, 11) + 100000000000000000
\endif
\set slot :id % 16

-- BEGIN, then the event recorded and, while it is unprocessed, the upgrade
-- locked and then its recipient, in one statement; the answer says
-- whether the event is fresh and holds both rows.
begin isolation level read committed\;
WITH recorded AS (INSERT INTO stripe_events (id, type, livemode, payload, received_at, attempts)
			VALUES ('evt_b:ev', 'checkout.session.completed', FALSE, ':payload', ':now', 1)
			ON CONFLICT (id) DO UPDATE SET attempts = stripe_events.attempts + 1
			WHERE stripe_events.processed_at IS NULL
			RETURNING id),
locked_upgrade AS (SELECT * FROM upgrades WHERE id = :id AND EXISTS (SELECT 1 FROM recorded) FOR UPDATE),
locked_recipient AS (SELECT * FROM users
			WHERE id = (SELECT recipient_id FROM locked_upgrade) FOR NO KEY UPDATE)
SELECT EXISTS (SELECT 1 FROM recorded) AS fresh, u."id" AS u_id, u."purchaser_id" AS u_purchaser_id, u."recipient_id" AS u_recipient_id, u."upgrade_type" AS u_upgrade_type, u."status" AS u_status, u."amount" AS u_amount, u."currency" AS u_currency, u."checkout_session_id" AS u_checkout_session_id, u."checkout_url" AS u_checkout_url, u."session_expires_at" AS u_session_expires_at, u."payment_intent_id" AS u_payment_intent_id, u."amount_paid" AS u_amount_paid, u."amount_discount" AS u_amount_discount, u."paid_at" AS u_paid_at, u."level_before" AS u_level_before, u."gift_note" AS u_gift_note, u."quantity" AS u_quantity, u."created_at" AS u_created_at, u."updated_at" AS u_updated_at, r."id" AS r_id, r."name" AS r_name, r."email" AS r_email, r."password_hash" AS r_password_hash, r."api_key" AS r_api_key, r."level" AS r_level, r."banned" AS r_banned, r."session_generation" AS r_session_generation, r."created_at" AS r_created_at FROM (VALUES (1)) AS one (x) LEFT JOIN locked_upgrade AS u ON true LEFT JOIN locked_recipient AS r ON true;

-- Then the outcome, saved in one statement, and COMMIT: the transition and
-- its history entry numbered after the last, the recipient's level, the
-- event marked processed, the message and the day's sales in its slot,
-- each a data-modifying WITH query; the statement fails (and so the COMMIT
-- is not run) unless each update found its row, and answers the message's
-- id.
WITH saved_upgrade AS (UPDATE upgrades SET status = 'complete', checkout_session_id = 'cs_test_b:tag', checkout_url = ':sim/pay/cs_test_b:tag', session_expires_at = ':expires',
		payment_intent_id = 'pi_b:ev', amount_paid = 2000, amount_discount = 0, paid_at = ':now', level_before = 20, updated_at = ':now' WHERE id = :id RETURNING id),
saved_history AS (INSERT INTO upgrade_history (upgrade_id, seq, at, from_status, to_status, event, outcome, cause, note)
		SELECT :id, last.seq + e.n, e.at, e.from_status, e.to_status, e.event, e.outcome, e.cause, e.note
		FROM (SELECT coalesce(max(seq), 0) AS seq FROM upgrade_history WHERE upgrade_id = :id) AS last,
		(VALUES (1::int, ':now'::timestamptz, 'pending'::text, 'complete'::text, 'checkout_paid'::text, 'applied'::text, 'stripe evt_b:ev checkout.session.completed'::text, 'pg:user upgraded from member to gold'::text)) AS e (n, at, from_status, to_status, event, outcome, cause, note) WHERE EXISTS (SELECT 1 FROM saved_upgrade)),
saved_recipient AS (UPDATE users SET level = 30 WHERE id = :user RETURNING id),
saved_event AS (UPDATE stripe_events SET outcome = 'applied', upgrade_id = :id, processed_at = ':now', last_error = NULL
			WHERE id = 'evt_b:ev' RETURNING id),
saved_messages AS (INSERT INTO messages (user_id, upgrade_id, body, created_at) VALUES (:user::bigint, :id::bigint, 'You have been upgraded to Gold!'::text, ':now'::timestamptz) RETURNING id),
saved_sales AS (INSERT INTO sales_daily AS d (day, upgrade_type, currency, slot, sales, sales_amount, refunds, refunds_amount)
		SELECT ':now'::date, 'gold', 'usd', :slot, 1, 2000, 0, 0 WHERE EXISTS (SELECT 1 FROM saved_upgrade)
		ON CONFLICT (day, upgrade_type, currency, slot) DO UPDATE SET sales = d.sales + excluded.sales,
		sales_amount = d.sales_amount + excluded.sales_amount, refunds = d.refunds + excluded.refunds,
		refunds_amount = d.refunds_amount + excluded.refunds_amount)
SELECT ARRAY(SELECT id FROM saved_messages ORDER BY id)
WHERE must_save((SELECT count(*) FROM saved_upgrade) = 1, 'upgrade #:id not found')
  AND must_save((SELECT count(*) FROM saved_recipient) = 1, 'user :user not found')
  AND must_save((SELECT count(*) FROM saved_event) = 1, 'event evt_b:ev not recorded')
  AND must_save((SELECT count(*) FROM saved_messages) = 1, 'the messages were not stored')\;
commit;
