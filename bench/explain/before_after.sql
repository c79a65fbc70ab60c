-- Before/after plans of the hot queries on the scratch database of bench/explain_dataset.py
-- (10,000 stores, 4 million bookings, store 1 holds 500,000). Run as the owner:
--   psql -h 127.0.0.1 -U postgres scale -f bench/explain/before_after.sql
-- Each pair: the query shape before migration 0018, then the one the code runs now.
-- 1 overview 30 days, before (bookings grouped) / after (rollup)
EXPLAIN (ANALYZE, BUFFERS) SELECT booking_date, status, count(id), sum(total_amount) FROM booking WHERE store_id = 1 AND booking_date BETWEEN current_date - 29 AND current_date GROUP BY 1, 2;
EXPLAIN (ANALYZE, BUFFERS) SELECT day, status, bookings, amount_cents FROM booking_day_stats WHERE store_id = 1 AND day BETWEEN current_date - 29 AND current_date;
-- 2 list total, before (exact count with join) / after (capped, page order)
EXPLAIN (ANALYZE, BUFFERS) SELECT count(booking.id) FROM booking JOIN app_user ON app_user.id = booking.client_user_id WHERE booking.store_id = 1;
EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM (SELECT id FROM booking WHERE store_id = 1 ORDER BY start_at, id LIMIT 1001) s;
-- 3 page 12,500, before (OFFSET) / after (keyset)
EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM booking WHERE store_id = 1 ORDER BY start_at, id LIMIT 20 OFFSET 250000;
EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM booking WHERE store_id = 1 AND (start_at, id) > ('2025-12-01 10:00+00', 0) ORDER BY start_at, id LIMIT 20;
-- 4 clients first page, before (union of booking clients, counts grouped) / after (client_store_stats)
EXPLAIN (ANALYZE, BUFFERS) SELECT u.id, coalesce(c.n, 0), c.last FROM app_user u LEFT JOIN (SELECT client_user_id, count(id) n, max(start_at) last FROM booking WHERE store_id = 1 GROUP BY client_user_id) c ON c.client_user_id = u.id WHERE u.id IN (SELECT client_user_id FROM booking WHERE store_id = 1 UNION SELECT user_id FROM store_client WHERE store_id = 1) ORDER BY u.last_name, u.first_name, u.id LIMIT 20;
EXPLAIN (ANALYZE, BUFFERS) SELECT u.id, s.bookings, s.last_start_at FROM app_user u JOIN client_store_stats s ON s.client_user_id = u.id WHERE s.store_id = 1 AND (s.bookings > 0 OR s.linked) ORDER BY u.last_name, u.first_name, u.id LIMIT 20;
-- 5 admin analytics bookings per week, before (bookings of 12 weeks) / after (rollup)
EXPLAIN (ANALYZE, BUFFERS) SELECT date_trunc('week', created_at), count(*) FROM booking WHERE created_at >= date_trunc('week', now()) - interval '11 weeks' GROUP BY 1;
EXPLAIN (ANALYZE, BUFFERS) SELECT day, sum(bookings) FROM booking_made_day_stats WHERE day >= (date_trunc('week', now()) - interval '11 weeks')::date GROUP BY day;
-- 6 top stores 30 days, before / after
EXPLAIN (ANALYZE, BUFFERS) SELECT store_id, count(*) FROM booking WHERE created_at >= now() - interval '30 days' GROUP BY store_id ORDER BY 2 DESC LIMIT 10;
EXPLAIN (ANALYZE, BUFFERS) SELECT store_id, sum(bookings) FROM booking_made_day_stats WHERE day >= current_date - 30 GROUP BY store_id ORDER BY 2 DESC LIMIT 10;
-- 7 search 'client1234', before (LIKE over app_user) / after (trigram)
EXPLAIN (ANALYZE, BUFFERS) SELECT id FROM app_user WHERE lower(first_name || ' ' || last_name) LIKE '%client1234%' OR email LIKE '%client1234%';
EXPLAIN (ANALYZE, BUFFERS) SELECT id FROM app_user WHERE lower(first_name || ' ' || last_name) LIKE '%client1234%' OR lower(email) LIKE '%client1234%';
-- 8 webhook inbox pending per provider
EXPLAIN (ANALYZE, BUFFERS) SELECT id FROM webhook_event WHERE provider = 'stripe' AND status = 'received' ORDER BY received_at LIMIT 50;
