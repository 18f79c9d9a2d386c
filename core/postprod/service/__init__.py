"""HTTP service over the library: parse, call, map errors; keys, ledger, credits, rate limits."""

from .app import API_PREFIX, create_app, create_app_from_env
from .ledger import FREE_RATE_LIMIT, CreatedKey, KeyInfo, Ledger, RateLimit, default_db_url
from .settings import ServiceSettings

__all__ = [
    "API_PREFIX",
    "FREE_RATE_LIMIT",
    "CreatedKey",
    "KeyInfo",
    "Ledger",
    "RateLimit",
    "ServiceSettings",
    "create_app",
    "create_app_from_env",
    "default_db_url",
]
