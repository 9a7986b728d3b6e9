-- bench/pg/insert-row.sql — one row for pgbench's import ceiling (bench/run,
-- BENCH_DB=postgres). bench/run repeats it 10,000 times between BEGIN and COMMIT,
-- as bench_register's baseline batches; pgbench has no loop. :k counts the rows
-- of this client (pgbench keeps a client's variables from one transaction to the
-- next; start it with -D k=-1) and :rows is the total, so permute() gives every
-- row a unique number in random order, as bench_register's emails come.
\set k :k + 1
\set e permute(:k, :rows, 17)
\set m :e % 50
\set ph (:e * 48271 + 12345) % 100000000
INSERT INTO person (name, email, phone, position, organisation) VALUES ('Päivi Hämäläinen', 'paivi.hamalainen.' || :e || '@example' || :m || '.fi', '+3584' || lpad(:ph, 8, '0'), 'myyntipäällikkö', 'Kivi Consulting Oy');
