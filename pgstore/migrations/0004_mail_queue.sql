-- Mails that tell people of changes to their account (package notify). A
-- courier claims a due mail under a lease (owner, lease_until; NULL when
-- none holds it) with FOR UPDATE SKIP LOCKED, so one replica sends it.
CREATE TABLE mail_queue (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	audit_id    bigint NOT NULL DEFAULT 0,
	user_id     bigint NOT NULL DEFAULT 0,
	kind        text NOT NULL,
	recipient   text NOT NULL,
	subject     text NOT NULL,
	body        text NOT NULL,
	created     timestamptz NOT NULL,
	state       text NOT NULL,
	attempts    integer NOT NULL DEFAULT 0,
	next_at     timestamptz NOT NULL,
	owner       text NOT NULL DEFAULT '',
	lease_until timestamptz,
	last_error  text NOT NULL DEFAULT '',
	ended       timestamptz
);
CREATE INDEX mail_queue_due   ON mail_queue (next_at, id) WHERE state IN ('pending', 'sending');
CREATE INDEX mail_queue_state ON mail_queue (state, id);
CREATE INDEX mail_queue_audit ON mail_queue (audit_id) WHERE audit_id <> 0;
