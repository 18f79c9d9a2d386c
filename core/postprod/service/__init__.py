"""HTTP service over the library: parse, call, map errors; keys, ledger, credits, rate limits."""

from .app import API_PREFIX, create_app, create_app_from_env
from .ledger import CreatedKey, KeyInfo, Ledger
from .ratelimit import FREE_RATE_LIMIT, RateLimit
from .settings import ServiceSettings, SettingsError, default_db_url

__all__ = [
    "API_PREFIX",
    "FREE_RATE_LIMIT",
    "CreatedKey",
    "KeyInfo",
    "Ledger",
    "RateLimit",
    "ServiceSettings",
    "SettingsError",
    "create_app",
    "create_app_from_env",
    "default_db_url",
]
