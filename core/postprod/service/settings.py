"""Service settings: `postprod serve` options or ``POSTPROD_*`` environment variables
(pydantic-settings).

Worker processes started by uvicorn read the environment, so `postprod serve` writes its options
there before it starts them; a single process and many workers are configured the same way.
An invalid value stops the start with `SettingsError`, naming the variable.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, PositiveInt, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ..contract.common import MAX_JSON_BYTES
from .demo import new_demo_secret
from .ratelimit import FREE_RATE_LIMIT, RateLimit

ENV_PREFIX = "POSTPROD_"
ENV_PAID_PER_MINUTE = "POSTPROD_PAID_RATE_PER_MINUTE"
ENV_PAID_PER_DAY = "POSTPROD_PAID_RATE_PER_DAY"
DEPRECATED_ENV = {"POSTPROD_PAID_PER_MINUTE": ENV_PAID_PER_MINUTE,
                  "POSTPROD_PAID_PER_DAY": ENV_PAID_PER_DAY}
"""Names the decisions file once documented for the paid quotas; still read, with a warning."""

log = logging.getLogger("postprod.service")


class SettingsError(ValueError):
    """A ``POSTPROD_*`` variable (or `postprod serve` option) holds a value that is not allowed."""


def default_db_url() -> str:
    """``$POSTPROD_DB_URL``, else ``${XDG_DATA_HOME:-~/.local/share}/postprod/ledger.sqlite3``."""
    env = os.environ.get("POSTPROD_DB_URL")
    if env:
        return env
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return f"sqlite:///{base / 'postprod' / 'ledger.sqlite3'}"


class ServiceSettings(BaseSettings):
    """How one service process runs; each field is also ``POSTPROD_<FIELD NAME>``.

    Attributes:
        db_url: SQLAlchemy URL of the ledger (SQLite file by default).
        whisper_model: speech recognition size for Scene Timestamps: ``tiny.en`` or ``base``
            (or a local CTranslate2 directory).
        warm_up: load the models at startup so the first request does not pay the load.
        paid_rate_per_minute / paid_rate_per_day: traffic quota for premium and enterprise
            keys, requests (unlimited when None, the default).
        max_engine_jobs: describe/timestamps jobs run at once per process (model-bound work).
        max_json_bytes: bound on a Compose OTIO JSON body, bytes.
        max_metadata_bytes: bound on a multipart ``metadata`` part, bytes.
        upload_dir: where upload temp directories go (system temp when None).
        demo_secret: signs the docs page's demo tokens; random per start unless set (every
            worker of one `postprod serve` gets the same one through the environment).
        demo_token_ttl_s: how long a docs page's demo token is accepted, seconds.
        demo_per_minute: demo calls admitted per client and minute, per process.
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True,
                                      frozen=True, extra="forbid", populate_by_name=True)

    db_url: str = Field(default_factory=default_db_url)
    whisper_model: str = "base"
    warm_up: bool = True
    paid_rate_per_minute: PositiveInt | None = Field(
        default=None, validation_alias=AliasChoices("paid_rate_per_minute", ENV_PAID_PER_MINUTE,
                                                    "POSTPROD_PAID_PER_MINUTE"))
    paid_rate_per_day: PositiveInt | None = Field(
        default=None, validation_alias=AliasChoices("paid_rate_per_day", ENV_PAID_PER_DAY,
                                                    "POSTPROD_PAID_PER_DAY"))
    max_engine_jobs: PositiveInt = 2
    max_json_bytes: PositiveInt = MAX_JSON_BYTES
    max_metadata_bytes: PositiveInt = 1_000_000
    upload_dir: str | None = None
    demo_secret: str = Field(default_factory=new_demo_secret, repr=False, min_length=1)
    demo_token_ttl_s: PositiveInt = 900
    demo_per_minute: PositiveInt = 6

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise SettingsError(_describe(exc)) from None

    @model_validator(mode="before")
    @classmethod
    def _deprecated_names(cls, data: Any) -> Any:
        for old, new in DEPRECATED_ENV.items():
            old_value = os.environ.get(old, "").strip()
            if not old_value:
                continue
            new_value = os.environ.get(new, "").strip()
            if new_value and new_value != old_value:
                raise ValueError(f"{old} (deprecated) = {old_value!r} and {new} = "
                                 f"{new_value!r} disagree: set only {new}")
            message = f"{old} is deprecated: set {new} instead"
            warnings.warn(message, DeprecationWarning, stacklevel=2)
            log.warning(message)
        return data

    @property
    def paid_rate_limit(self) -> RateLimit:
        """The quota of premium and enterprise keys (unlimited by default)."""
        return RateLimit(per_minute=self.paid_rate_per_minute, per_day=self.paid_rate_per_day)

    def rate_limit_for(self, tier: str) -> RateLimit:
        """The quota of a tier: fixed for free keys, configurable (default none) for paid."""
        return FREE_RATE_LIMIT if tier == "free" else self.paid_rate_limit

    def to_env(self) -> dict[str, str]:
        """These settings as environment variables (for uvicorn worker processes)."""
        env: dict[str, str] = {}
        for name, value in self.model_dump().items():
            if value is None:
                continue
            if isinstance(value, bool):
                value = "1" if value else "0"
            env[env_name(name)] = str(value)
        return env

    @classmethod
    def from_env(cls) -> ServiceSettings:
        """Settings from the environment; unset (or empty) variables keep the defaults.

        Raises:
            SettingsError: a variable's value is not allowed (the message names it).
        """
        return cls()


def env_name(field: str) -> str:
    """The environment variable of a settings field (``max_engine_jobs`` ->
    ``POSTPROD_MAX_ENGINE_JOBS``)."""
    return ENV_PREFIX + field.upper()


def _describe(exc: ValidationError) -> str:
    """One line per bad value, naming the environment variable that sets it."""
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        field = loc[0] if loc else ""
        if not field:
            lines.append(str(err.get("msg")))
            continue
        where = field if field.startswith(ENV_PREFIX) else env_name(field)
        shown = "" if err.get("type") == "missing" else f" = {err.get('input')!r}"
        lines.append(f"{where}{shown}: {err.get('msg')}")
    return "invalid service settings: " + "; ".join(lines)
