-- Staff sessions (package sessions): the cookie carries a token, the row
-- is keyed by its SHA-256.
CREATE TABLE staff_sessions (
	id         text PRIMARY KEY,
	email      text NOT NULL,
	email_key  text NOT NULL,
	name       text NOT NULL DEFAULT '',
	groups     jsonb NOT NULL DEFAULT '[]',
	role       integer NOT NULL,
	csrf       text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL,
	seen_at    timestamptz NOT NULL,
	checked_at timestamptz NOT NULL,
	source_ip  text NOT NULL DEFAULT '',
	user_agent text NOT NULL DEFAULT ''
);
CREATE INDEX staff_sessions_email ON staff_sessions (email_key);
CREATE INDEX staff_sessions_seen  ON staff_sessions (seen_at);
