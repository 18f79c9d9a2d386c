"""Per-key traffic quotas: sliding windows per minute and per day, kept in the ledger's
database so that they hold across worker processes."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update

from ..contract.errors import RateLimited
from .schema import api_keys, rate_events

if TYPE_CHECKING:
    from .database import Database

MINUTE_MS = 60_000
DAY_MS = 86_400_000


def now_ms() -> int:
    """Wall-clock time in integer milliseconds since the Unix epoch (UTC)."""
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class RateLimit:
    """A traffic quota; None means unlimited for that window."""

    per_minute: int | None = None
    per_day: int | None = None

    @property
    def unlimited(self) -> bool:
        return self.per_minute is None and self.per_day is None


FREE_RATE_LIMIT = RateLimit(per_minute=2, per_day=20)
"""Contract §1.5 (fixed): free keys get 2 requests per minute and 20 per day."""


class RateLimiter:
    """Counts requests per key in the ledger's ``rate_events`` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def admit(self, key_id: str, *, limit: RateLimit, at_ms: int | None = None) -> None:
        """Count one request of ``key_id`` made at ``at_ms`` (epoch ms; now when None) against
        ``limit``, or refuse it with `RateLimited`.

        A refused request is not counted, so `Retry-After` (whole seconds) is exact.
        """
        if limit.unlimited:
            return
        t = now_ms() if at_ms is None else at_ms
        with self.db.write() as conn:
            # Write first: takes SQLite's write lock / the key's row lock before counting.
            conn.execute(update(api_keys).where(api_keys.c.id == key_id)
                         .values(last_request_at_ms=t))
            conn.execute(delete(rate_events).where(rate_events.c.key_id == key_id,
                                                   rate_events.c.at_ms <= t - DAY_MS))
            waits: list[tuple[int, str]] = []
            for quota, window, name in ((limit.per_minute, MINUTE_MS, "minute"),
                                        (limit.per_day, DAY_MS, "day")):
                if quota is None:
                    continue
                times = conn.execute(
                    select(rate_events.c.at_ms)
                    .where(rate_events.c.key_id == key_id, rate_events.c.at_ms > t - window)
                    .order_by(rate_events.c.at_ms)).scalars().all()
                if len(times) >= quota:
                    # The slot frees when enough of the oldest events leave the window.
                    frees_at = int(times[len(times) - quota]) + window
                    waits.append((max(1, math.ceil((frees_at - t) / 1000)), f"{quota} per {name}"))
            if waits:
                retry, quota_text = max(waits)
                raise RateLimited(
                    f"rate limit reached ({quota_text} for this key); retry in {retry} s",
                    retry_after_s=retry, allowed=_quota_words(limit))
            conn.execute(insert(rate_events).values(key_id=key_id, at_ms=t))


def _quota_words(limit: RateLimit) -> str:
    parts = []
    if limit.per_minute is not None:
        parts.append(f"{limit.per_minute} requests per minute")
    if limit.per_day is not None:
        parts.append(f"{limit.per_day} per day")
    return " and ".join(parts) + " per key"
