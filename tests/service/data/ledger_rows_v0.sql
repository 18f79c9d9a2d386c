-- Rows as the service wrote them before migrations existed (keys, ledger entries,
-- rate-limit events), for the schema of ledger_schema_v0_*.sql. Frozen: never edit.
-- The raw keys (only their sha256 is stored) are in tests/service/test_migrations.py.
-- Row ids come from the database (as the service's inserts did), so sequences advance.

INSERT INTO api_keys (id, key_hash, key_prefix, tier, balance, created_at_ms, expires_at_ms,
                      revoked, label, last_request_at_ms)
VALUES ('key_01JF0000000000000000000001', '0d8a8864e02af18f9fad5f2b6a911a787660632344bc8d4f3efc762e19ad7d67', 'pp_live_froz', 'free', 7,
        1700000000000, 4102444800000, FALSE, NULL, 1700000300000);
INSERT INTO api_keys (id, key_hash, key_prefix, tier, balance, created_at_ms, expires_at_ms,
                      revoked, label, last_request_at_ms)
VALUES ('key_01JF0000000000000000000002', 'e97bd6935517cc5da126af4886868cd7c8c58be9ddef34da1d59ae75bc50eba8', 'pp_live_froz', 'premium',
        120, 1700000001000, 4102444800000, FALSE, 'studio north', NULL);
INSERT INTO api_keys (id, key_hash, key_prefix, tier, balance, created_at_ms, expires_at_ms,
                      revoked, label, last_request_at_ms)
VALUES ('key_01JF0000000000000000000003', 'ff3b7e62a441dd9d8d440a68c2f0930296035a905c22a7067a197d9e50a1273b', 'pp_live_froz',
        'enterprise', 0, 1700000002000, NULL, TRUE, 'revoked partner', NULL);

INSERT INTO ledger_entries (key_id, kind, credits, balance_after, request_id, operation, at_ms)
VALUES ('key_01JF0000000000000000000001', 'create', 15, 15, NULL, NULL, 1700000000000);
INSERT INTO ledger_entries (key_id, kind, credits, balance_after, request_id, operation, at_ms)
VALUES ('key_01JF0000000000000000000002', 'create', 100, 100, NULL, NULL, 1700000001000);
INSERT INTO ledger_entries (key_id, kind, credits, balance_after, request_id, operation, at_ms)
VALUES ('key_01JF0000000000000000000003', 'create', 0, 0, NULL, NULL, 1700000002000);
INSERT INTO ledger_entries (key_id, kind, credits, balance_after, request_id, operation, at_ms)
VALUES ('key_01JF0000000000000000000002', 'topup', 20, 120, NULL, NULL, 1700000100000);
INSERT INTO ledger_entries (key_id, kind, credits, balance_after, request_id, operation, at_ms)
VALUES ('key_01JF0000000000000000000001', 'charge', -4, 11, 'req_01JF00000000000000000000A1',
        'compose-otio', 1700000200000);
INSERT INTO ledger_entries (key_id, kind, credits, balance_after, request_id, operation, at_ms)
VALUES ('key_01JF0000000000000000000001', 'charge', -4, 7, 'req_01JF00000000000000000000A2',
        'compose-otio', 1700000300000);

INSERT INTO rate_events (key_id, at_ms) VALUES ('key_01JF0000000000000000000001', 1700000200000);
INSERT INTO rate_events (key_id, at_ms) VALUES ('key_01JF0000000000000000000001', 1700000300000);
