-- bench/pg/lookup.sql — pgbench's lookup ceiling (bench/run, BENCH_DB=postgres): the
-- id of a random person by email, through the unique index, as bench_register's
-- baseline asks it (-D rows=N: the rows insert-row.sql wrote).
\set e random(0, :rows - 1)
\set m :e % 50
SELECT id FROM person WHERE email = 'paivi.hamalainen.' || :e || '@example' || :m || '.fi';
