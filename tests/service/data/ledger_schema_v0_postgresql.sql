-- The ledger's schema as `metadata.create_all` made it before migrations existed
-- (postgresql; frozen: never edit, a test upgrades databases created from it).

CREATE TABLE api_keys (
	id VARCHAR(40) NOT NULL,
	key_hash VARCHAR(64) NOT NULL,
	key_prefix VARCHAR(16) NOT NULL,
	tier VARCHAR(16) NOT NULL,
	balance BIGINT NOT NULL,
	created_at_ms BIGINT NOT NULL,
	expires_at_ms BIGINT,
	revoked BOOLEAN NOT NULL,
	label VARCHAR(200),
	last_request_at_ms BIGINT,
	PRIMARY KEY (id),
	CONSTRAINT balance_never_negative CHECK (balance >= 0),
	UNIQUE (key_hash)
);

CREATE TABLE ledger_entries (
	id BIGSERIAL NOT NULL,
	key_id VARCHAR(40) NOT NULL,
	kind VARCHAR(16) NOT NULL,
	credits BIGINT NOT NULL,
	balance_after BIGINT NOT NULL,
	request_id VARCHAR(40),
	operation VARCHAR(40),
	at_ms BIGINT NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(key_id) REFERENCES api_keys (id),
	UNIQUE (request_id)
);

CREATE INDEX ledger_entries_key ON ledger_entries (key_id, at_ms);

CREATE TABLE rate_events (
	id BIGSERIAL NOT NULL,
	key_id VARCHAR(40) NOT NULL,
	at_ms BIGINT NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(key_id) REFERENCES api_keys (id)
);

CREATE INDEX rate_events_key_time ON rate_events (key_id, at_ms);
