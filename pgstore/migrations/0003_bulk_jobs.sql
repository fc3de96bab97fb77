-- Bulk jobs and their people (package jobs). A job is claimed by one
-- replica at a time under a lease (owner, lease_until); lease_until is
-- NULL when no lease holds. created_seq keeps the order jobs were created
-- in, for jobs created in the same microsecond.
CREATE TABLE jobs (
	id          text PRIMARY KEY,
	created_seq bigint GENERATED ALWAYS AS IDENTITY,
	kind        text NOT NULL,
	actor_email text NOT NULL DEFAULT '',
	actor_name  text NOT NULL DEFAULT '',
	actor_role  text NOT NULL DEFAULT '',
	source_ip   text NOT NULL DEFAULT '',
	request_id  text NOT NULL DEFAULT '',
	ticket      text NOT NULL DEFAULT '',
	created     timestamptz NOT NULL,
	state       text NOT NULL,
	ended       timestamptz,
	stopped_by  text NOT NULL DEFAULT '',
	runs        integer NOT NULL DEFAULT 0,
	owner       text NOT NULL DEFAULT '',
	lease_until timestamptz,
	wait        text NOT NULL DEFAULT '',
	wait_until  timestamptz
);
CREATE INDEX jobs_created    ON jobs (created, created_seq);
CREATE INDEX jobs_unfinished ON jobs (created, created_seq) WHERE state IN ('running', 'stopping');

CREATE TABLE job_items (
	job_id    text NOT NULL REFERENCES jobs (id),
	seq       integer NOT NULL,
	target_id bigint NOT NULL,
	email     text NOT NULL DEFAULT '',
	name      text NOT NULL DEFAULT '',
	state     text NOT NULL,
	message   text NOT NULL DEFAULT '',
	updated   timestamptz NOT NULL,
	PRIMARY KEY (job_id, seq)
);
CREATE INDEX job_items_state ON job_items (job_id, state, seq);
