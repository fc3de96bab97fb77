-- How often the public unlock page showed each shape of real factor list
-- (the kinds in order, nothing personal), which its decoys are drawn from.
CREATE TABLE factor_shapes (
	shape text PRIMARY KEY,
	seen  bigint NOT NULL
);
