-- 0011_key_rotation.sql — key generations (core/rotate.h). key_state names
-- the generation of the key file that the database's hashes and the tail of
-- its audit chain are under, so that a key file and a database that do not
-- belong together are refused, and an interrupted rotation is recognised.
-- A suppression row records the generation whose lookup key made its hash:
-- rows of values no longer held cannot be re-hashed and keep matching under
-- that retired generation.
CREATE TABLE key_state (
    one          INTEGER PRIMARY KEY CHECK (one = 1),
    generation   INTEGER NOT NULL,
    fingerprint  TEXT NOT NULL DEFAULT ''   -- '' until the first rotation
);
INSERT INTO key_state (one, generation) VALUES (1, 1);

ALTER TABLE suppression ADD COLUMN gen INTEGER NOT NULL DEFAULT 1;
