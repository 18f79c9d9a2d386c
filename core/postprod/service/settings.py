"""Service settings: one dataclass, filled from `postprod serve` options or environment variables.

Worker processes started by uvicorn read the environment, so `postprod serve` writes its options
there before it starts them; a single process and many workers are configured the same way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..contract.common import MAX_JSON_BYTES
from .demo import new_demo_secret
from .ledger import FREE_RATE_LIMIT, RateLimit, default_db_url

ENV_DB_URL = "POSTPROD_DB_URL"
ENV_WHISPER_MODEL = "POSTPROD_WHISPER_MODEL"
ENV_WARM_UP = "POSTPROD_WARM_UP"
ENV_PAID_PER_MINUTE = "POSTPROD_PAID_RATE_PER_MINUTE"
ENV_PAID_PER_DAY = "POSTPROD_PAID_RATE_PER_DAY"
ENV_MAX_ENGINE_JOBS = "POSTPROD_MAX_ENGINE_JOBS"
ENV_UPLOAD_DIR = "POSTPROD_UPLOAD_DIR"
ENV_DEMO_SECRET = "POSTPROD_DEMO_SECRET"
ENV_DEMO_PER_MINUTE = "POSTPROD_DEMO_PER_MINUTE"


@dataclass(frozen=True)
class ServiceSettings:
    """How one service process runs.

    Attributes:
        db_url: SQLAlchemy URL of the ledger (SQLite file by default).
        whisper_model: speech recognition size for Scene Timestamps: ``tiny.en`` or ``base``
            (or a local CTranslate2 directory).
        warm_up: load the models at startup so the first request does not pay the load.
        paid_rate_limit: traffic quota for premium and enterprise keys (off by default).
        max_engine_jobs: describe/timestamps jobs run at once per process (model-bound work).
        max_json_bytes: bound on a Compose OTIO JSON body, bytes.
        max_metadata_bytes: bound on a multipart ``metadata`` part, bytes.
        upload_dir: where upload temp directories go (system temp when None).
        demo_secret: signs the docs page's demo tokens; random per start unless set (every
            worker of one `postprod serve` gets the same one through the environment).
        demo_token_ttl_s: how long a docs page's demo token is accepted, seconds.
        demo_per_minute: demo calls admitted per client and minute, per process.
    """

    db_url: str = field(default_factory=default_db_url)
    whisper_model: str = "base"
    warm_up: bool = True
    paid_rate_limit: RateLimit = field(default_factory=RateLimit)
    max_engine_jobs: int = 2
    max_json_bytes: int = MAX_JSON_BYTES
    max_metadata_bytes: int = 1_000_000
    upload_dir: str | None = None
    demo_secret: str = field(default_factory=new_demo_secret, repr=False)
    demo_token_ttl_s: int = 900
    demo_per_minute: int = 6

    def rate_limit_for(self, tier: str) -> RateLimit:
        """The quota of a tier: fixed for free keys, configurable (default none) for paid."""
        return FREE_RATE_LIMIT if tier == "free" else self.paid_rate_limit

    def to_env(self) -> dict[str, str]:
        """These settings as environment variables (for uvicorn worker processes)."""
        env = {ENV_DB_URL: self.db_url, ENV_WHISPER_MODEL: self.whisper_model,
               ENV_WARM_UP: "1" if self.warm_up else "0",
               ENV_MAX_ENGINE_JOBS: str(self.max_engine_jobs),
               ENV_DEMO_SECRET: self.demo_secret,
               ENV_DEMO_PER_MINUTE: str(self.demo_per_minute)}
        if self.paid_rate_limit.per_minute is not None:
            env[ENV_PAID_PER_MINUTE] = str(self.paid_rate_limit.per_minute)
        if self.paid_rate_limit.per_day is not None:
            env[ENV_PAID_PER_DAY] = str(self.paid_rate_limit.per_day)
        if self.upload_dir:
            env[ENV_UPLOAD_DIR] = self.upload_dir
        return env

    @classmethod
    def from_env(cls) -> ServiceSettings:
        """Settings from the environment; unset variables keep the defaults."""

        def opt_int(name: str) -> int | None:
            v = os.environ.get(name, "").strip()
            return int(v) if v else None

        return cls(
            db_url=os.environ.get(ENV_DB_URL) or default_db_url(),
            whisper_model=os.environ.get(ENV_WHISPER_MODEL) or "base",
            warm_up=os.environ.get(ENV_WARM_UP, "1").strip().lower() not in ("0", "false",
                                                                              "no", ""),
            paid_rate_limit=RateLimit(per_minute=opt_int(ENV_PAID_PER_MINUTE),
                                      per_day=opt_int(ENV_PAID_PER_DAY)),
            max_engine_jobs=opt_int(ENV_MAX_ENGINE_JOBS) or 2,
            upload_dir=os.environ.get(ENV_UPLOAD_DIR) or None,
            demo_secret=os.environ.get(ENV_DEMO_SECRET) or new_demo_secret(),
            demo_per_minute=opt_int(ENV_DEMO_PER_MINUTE) or 6,
        )
