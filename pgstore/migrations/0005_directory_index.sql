-- The directory index (package directory). One row per person, the person
-- as JSON in data (the index searches in Go, not in SQL). Every write and
-- deletion takes the next number of directory_seq under an advisory lock,
-- so numbers commit in order and each replica's mirror catches up by
-- asking for what came after the last it saw; a deleted person keeps a
-- row marked deleted so mirrors learn of it. updated_at is OneLogin's
-- (NULL when it gave none), synced_at when the console read the person.
CREATE SEQUENCE directory_seq;
CREATE TABLE directory_people (
	id         bigint PRIMARY KEY,
	seq        bigint NOT NULL,
	deleted    boolean NOT NULL DEFAULT false,
	updated_at timestamptz,
	synced_at  timestamptz NOT NULL,
	data       text NOT NULL
);
CREATE INDEX directory_people_seq ON directory_people (seq);
CREATE INDEX directory_people_synced ON directory_people (synced_at) WHERE NOT deleted;

-- The sync's lease (owner, lease_until; NULL when none holds) and state
-- (JSON), one row.
CREATE TABLE directory_sync (
	id          integer PRIMARY KEY CHECK (id = 1),
	owner       text NOT NULL DEFAULT '',
	lease_until timestamptz,
	state       text NOT NULL DEFAULT '{}'
);
INSERT INTO directory_sync (id) VALUES (1);
