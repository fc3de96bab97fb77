-- The audit trail: one row per attempted action (see package audit).
CREATE TABLE audit_records (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at           timestamptz NOT NULL,
	actor_email  text NOT NULL DEFAULT '',
	actor_role   text NOT NULL DEFAULT '',
	source_ip    text NOT NULL DEFAULT '',
	request_id   text NOT NULL DEFAULT '',
	target_id    bigint NOT NULL DEFAULT 0,
	target_email text NOT NULL DEFAULT '',
	target_name  text NOT NULL DEFAULT '',
	action       text NOT NULL,
	params       jsonb NOT NULL DEFAULT '{}',
	ticket       text NOT NULL DEFAULT '',
	reason       text NOT NULL DEFAULT '',
	outcome      text NOT NULL,
	status       integer NOT NULL DEFAULT 0,
	message      text NOT NULL DEFAULT '',
	completed_at timestamptz,
	repeats      integer NOT NULL DEFAULT 0,
	last_at      timestamptz
);
CREATE INDEX audit_actor  ON audit_records (lower(actor_email), id);
CREATE INDEX audit_target ON audit_records (target_id, id);
CREATE INDEX audit_temail ON audit_records (lower(target_email), id);
CREATE INDEX audit_action ON audit_records (action, id);
CREATE INDEX audit_at     ON audit_records (at);

-- Events counted against limits (self-service, public unlock, budgets).
CREATE TABLE limit_events (
	key text NOT NULL,
	at  timestamptz NOT NULL
);
CREATE INDEX limit_key ON limit_events (key, at);
CREATE INDEX limit_at  ON limit_events (at);
