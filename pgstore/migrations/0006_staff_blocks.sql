-- Console blocks of proxy mode (sessions.Blocks): an admin's revocation
-- keeps the person out until it is lifted or ends; one row per person.
CREATE TABLE staff_blocks (
	email_key text PRIMARY KEY,
	email     text NOT NULL,
	until_at  timestamptz NOT NULL,
	by_email  text NOT NULL DEFAULT '',
	at        timestamptz NOT NULL
);
