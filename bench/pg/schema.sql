-- bench/pg/schema.sql — pgbench's ceiling table (bench/run, BENCH_DB=postgres): the shape
-- of bench_register's bare SQLite baseline, one table with a unique index on email.
CREATE TABLE person (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text,
    email text NOT NULL,
    phone text,
    position text,
    organisation text
);
CREATE UNIQUE INDEX person_email ON person (email);
