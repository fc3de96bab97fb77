-- The public unlock page's flows, sealed by selfunlock.SealedStore, so that
-- any replica can take a flow's next step.
CREATE TABLE unlock_flows (
	id      text PRIMARY KEY,
	blob    bytea NOT NULL,
	expires timestamptz NOT NULL,
	version bigint NOT NULL DEFAULT 1
);
CREATE INDEX unlock_flows_expires ON unlock_flows (expires);
