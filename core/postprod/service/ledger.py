"""The service's ledger: API keys (stored hashed), credit balances, authentication, debits.

The tables are in `schema`, the engine and its upgrade in `database`, the traffic quotas in
`ratelimit`. Every method is one short transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from ulid import ULID

from ..contract.errors import (
    ApiKeyExpired,
    ApiKeyRequired,
    InsufficientCredits,
    InvalidApiKey,
)
from ..contract.limits import TIERS, Tier
from .database import Database
from .ratelimit import DAY_MS, now_ms
from .schema import api_keys, ledger_entries

KEY_PREFIX = "pp_live_"
"""Every API key starts with this, so a leaked key is recognisable by secret scanners."""


def hash_key(api_key: str) -> str:
    """The stored form of a key: sha256 hex (keys carry 256 random bits, so no salt is needed)."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KeyInfo:
    """One key as the ledger knows it (never the key itself).

    Attributes:
        key_id: public id (``key_`` + ULID) used by ``postprod keys topup/revoke``.
        key_prefix: the first characters of the key, to recognise it in lists.
        tier: ``free``, ``premium`` or ``enterprise``.
        balance: credits left.
        created_at_ms / expires_at_ms: epoch milliseconds (expiry None = never).
        revoked: a revoked key answers INVALID_API_KEY.
    """

    key_id: str
    key_prefix: str
    tier: Tier
    balance: int
    created_at_ms: int
    expires_at_ms: int | None
    revoked: bool
    label: str | None = None

    def to_json_data(self) -> dict[str, Any]:
        """camelCase JSON for the CLI (times as epoch ms)."""
        return {"keyId": self.key_id, "keyPrefix": self.key_prefix, "tier": self.tier,
                "balance": self.balance, "createdAtMs": self.created_at_ms,
                "expiresAtMs": self.expires_at_ms, "revoked": self.revoked,
                **({"label": self.label} if self.label else {})}


@dataclass(frozen=True)
class CreatedKey:
    """A new key: ``api_key`` is shown once and never stored."""

    api_key: str
    info: KeyInfo


def _row_to_info(row: Any) -> KeyInfo:
    return KeyInfo(key_id=row.id, key_prefix=row.key_prefix, tier=row.tier,
                   balance=int(row.balance), created_at_ms=int(row.created_at_ms),
                   expires_at_ms=None if row.expires_at_ms is None else int(row.expires_at_ms),
                   revoked=bool(row.revoked), label=row.label)


class Ledger:
    """Keys, balances and charges, in the database at ``url`` (upgraded to the newest schema
    revision when opened).

    Every method is one short transaction; all are safe to call from many threads and many
    processes at once.

    Attributes:
        url: the SQLAlchemy URL.
        db: the database (engine, write transactions).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.db = Database(url)

    @property
    def engine(self) -> Engine:
        """The database's SQLAlchemy engine."""
        return self.db.engine

    def close(self) -> None:
        """Release the connection pool."""
        self.db.close()

    # --- keys -------------------------------------------------------------------------------

    def create_key(
        self,
        *,
        tier: Tier,
        credits: int,
        days: float | None = None,
        expires_at_ms: int | None = None,
        label: str | None = None,
        at_ms: int | None = None,
    ) -> CreatedKey:
        """Make a key with ``credits`` and an expiry ``days`` from now (or ``expires_at_ms``).

        Returns the key once; only its sha256 is stored.
        """
        if tier not in TIERS:
            raise ValueError(f"unknown tier {tier!r}; allowed: {', '.join(TIERS)}")
        if credits < 0:
            raise ValueError("credits must be >= 0")
        t = now_ms() if at_ms is None else at_ms
        if expires_at_ms is None and days is not None:
            expires_at_ms = t + round(days * DAY_MS)
        api_key = KEY_PREFIX + secrets.token_urlsafe(32)
        key_id = f"key_{ULID()}"
        with self.db.write() as conn:
            conn.execute(insert(api_keys).values(
                id=key_id, key_hash=hash_key(api_key), key_prefix=api_key[:12], tier=tier,
                balance=credits, created_at_ms=t, expires_at_ms=expires_at_ms, revoked=False,
                label=label))
            conn.execute(insert(ledger_entries).values(
                key_id=key_id, kind="create", credits=credits, balance_after=credits, at_ms=t))
        return CreatedKey(api_key=api_key, info=self.get_key(key_id))

    def get_key(self, key_id: str) -> KeyInfo:
        """The key with id ``key_id``; KeyError when there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        if row is None:
            raise KeyError(key_id)
        return _row_to_info(row)

    def list_keys(self) -> list[KeyInfo]:
        """Every key, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at_ms,
                                                          api_keys.c.id)).all()
        return [_row_to_info(r) for r in rows]

    def top_up(self, key_id: str, *, credits: int) -> KeyInfo:
        """Add ``credits`` (> 0) to a key's balance; KeyError for an unknown id."""
        if credits <= 0:
            raise ValueError("credits must be > 0")
        with self.db.write() as conn:
            res = conn.execute(update(api_keys).where(api_keys.c.id == key_id)
                               .values(balance=api_keys.c.balance + credits))
            if res.rowcount != 1:
                raise KeyError(key_id)
            bal = conn.execute(select(api_keys.c.balance)
                               .where(api_keys.c.id == key_id)).scalar_one()
            conn.execute(insert(ledger_entries).values(
                key_id=key_id, kind="topup", credits=credits, balance_after=bal, at_ms=now_ms()))
        return self.get_key(key_id)

    def revoke(self, key_id: str) -> KeyInfo:
        """Revoke a key for good; KeyError for an unknown id."""
        with self.db.write() as conn:
            res = conn.execute(update(api_keys).where(api_keys.c.id == key_id)
                               .values(revoked=True))
            if res.rowcount != 1:
                raise KeyError(key_id)
        return self.get_key(key_id)

    # --- requests ---------------------------------------------------------------------------

    def authenticate(self, api_key: str | None, *, at_ms: int | None = None) -> KeyInfo:
        """The key behind an ``X-API-Key`` value.

        Raises:
            ApiKeyRequired: no key sent.
            InvalidApiKey: unknown or revoked.
            ApiKeyExpired: past its expiry.
        """
        if api_key is None or not api_key.strip():
            raise ApiKeyRequired("an API key is required in the X-API-Key header",
                                 field="X-API-Key", allowed="a key made by `postprod keys create`")
        with self.engine.connect() as conn:
            row = conn.execute(select(api_keys)
                               .where(api_keys.c.key_hash == hash_key(api_key.strip()))).first()
        if row is None or row.revoked:
            raise InvalidApiKey("the API key is not valid (unknown or revoked)",
                                field="X-API-Key", allowed="a current key")
        info = _row_to_info(row)
        t = now_ms() if at_ms is None else at_ms
        if info.expires_at_ms is not None and t >= info.expires_at_ms:
            raise ApiKeyExpired(f"the API key {info.key_prefix}… expired "
                                f"{_ago(t - info.expires_at_ms)} ago",
                                field="X-API-Key", allowed="a key that has not expired")
        return info

    def balance(self, key_id: str) -> int:
        """Credits left on a key (0 for an unknown id)."""
        with self.engine.connect() as conn:
            bal = conn.execute(select(api_keys.c.balance)
                               .where(api_keys.c.id == key_id)).scalar_one_or_none()
        return int(bal or 0)

    def debit(self, key_id: str, *, cost: int, request_id: str, operation: str,
              at_ms: int | None = None) -> int:
        """Charge ``cost`` credits in one transaction; returns the balance after it.

        The conditional update never lets the balance go negative, whatever runs at the same
        time. Raises `InsufficientCredits` (nothing charged) when the balance is short.
        """
        t = now_ms() if at_ms is None else at_ms
        with self.db.write() as conn:
            res = conn.execute(update(api_keys)
                               .where(api_keys.c.id == key_id, api_keys.c.balance >= cost)
                               .values(balance=api_keys.c.balance - cost))
            if res.rowcount != 1:
                bal = conn.execute(select(api_keys.c.balance)
                                   .where(api_keys.c.id == key_id)).scalar_one_or_none()
                raise insufficient(cost=cost, balance=int(bal or 0))
            bal = int(conn.execute(select(api_keys.c.balance)
                                   .where(api_keys.c.id == key_id)).scalar_one())
            conn.execute(insert(ledger_entries).values(
                key_id=key_id, kind="charge", credits=-cost, balance_after=bal,
                request_id=request_id, operation=operation, at_ms=t))
        return bal

    def charges(self, key_id: str) -> list[dict[str, Any]]:
        """The key's charges, oldest first: request id, operation, credits, balance after."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(ledger_entries)
                                .where(ledger_entries.c.key_id == key_id,
                                       ledger_entries.c.kind == "charge")
                                .order_by(ledger_entries.c.id)).all()
        return [{"requestId": r.request_id, "operation": r.operation, "credits": -r.credits,
                 "balanceAfter": r.balance_after, "atMs": r.at_ms} for r in rows]

    def charge_count(self) -> int:
        """Number of charges over all keys (for checks and benchmarks)."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(ledger_entries)
                                    .where(ledger_entries.c.kind == "charge")).scalar_one())


def insufficient(*, cost: int, balance: int) -> InsufficientCredits:
    """The 402 naming the exact cost and the balance."""
    return InsufficientCredits(
        f"this request costs {cost} credits; the key has {balance}",
        allowed=f"a balance of at least {cost} credits (balance: {balance})")


def _ago(ms: int) -> str:
    s = ms / 1000
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 2 * 86400:
        return f"{s / 3600:.0f} h"
    return f"{s / 86400:.0f} days"
