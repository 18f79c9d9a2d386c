"""`postprod serve`, `postprod keys ...` and `postprod bench service`."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..contract.limits import as_tier
from . import bench, contract_errors, emit_json, main

if TYPE_CHECKING:
    from ..service.ledger import Ledger

DB_OPTION = click.option(
    "--db", "db_url", default=None, metavar="URL",
    help="SQLAlchemy URL of the ledger (default: $POSTPROD_DB_URL, else a SQLite file under "
         "~/.local/share/postprod).")


def _ledger(db_url: str | None) -> Ledger:
    from ..service.ledger import Ledger  # lazy: a fast CLI
    from ..service.settings import default_db_url

    return Ledger(db_url or default_db_url())


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@DB_OPTION
@click.option("--model", default=None, metavar="tiny.en|base|DIR",
              help="Speech recognition for Scene Timestamps (default: "
                   "$POSTPROD_WHISPER_MODEL, else base).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (share the ledger; use PostgreSQL for several hosts).")
@click.option("--no-warm-up", is_flag=True,
              help="Load models on the first request instead of at startup.")
@click.option("--paid-per-minute", type=click.IntRange(1), default=None,
              help="Requests per minute for premium/enterprise keys (default: unlimited).")
@click.option("--paid-per-day", type=click.IntRange(1), default=None,
              help="Requests per day for premium/enterprise keys (default: unlimited).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def serve(host: str, port: int, db_url: str | None, model: str | None, workers: int,
          no_warm_up: bool, paid_per_minute: int | None, paid_per_day: int | None,
          log_level: str) -> None:
    """Serve the HTTP API (OpenAPI at /postproduction/v1/openapi.json, docs at .../docs)."""
    from ..extras import require_extra

    require_extra("service", purpose="`postprod serve` (the HTTP service)")
    import uvicorn

    from ..service.ledger import Ledger
    from ..service.settings import ServiceSettings, SettingsError

    options = {"db_url": db_url, "whisper_model": model, "warm_up": False if no_warm_up else None,
               "paid_rate_per_minute": paid_per_minute, "paid_rate_per_day": paid_per_day}
    try:  # the options given, else POSTPROD_* variables, else the defaults
        settings = ServiceSettings(**{k: v for k, v in options.items() if v is not None})
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    Ledger(settings.db_url).close()  # upgrade the schema once, before the workers start
    os.environ.update(settings.to_env())
    uvicorn.run("postprod.service.app:create_app_from_env", factory=True, host=host,
                port=port, workers=workers, log_level=log_level)


@main.group()
def keys() -> None:
    """Create, list, top up and revoke API keys of the service's ledger."""


def _when(ms: int | None) -> str:
    if ms is None:
        return "never"
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@keys.command("create")
@click.option("--tier", type=click.Choice(["free", "premium", "enterprise"]), required=True)
@click.option("--credits", type=click.IntRange(0), required=True, help="Starting balance.")
@click.option("--days", type=click.FloatRange(0), default=365, show_default=True,
              help="Days until the key expires.")
@click.option("--label", default=None, help="A note for `keys list` (who the key is for).")
@DB_OPTION
@contract_errors
def keys_create(tier: str, credits: int, days: float, label: str | None,
                db_url: str | None) -> None:
    """Make a key and print it ONCE (only its hash is stored)."""
    ledger = _ledger(db_url)
    try:
        created = ledger.create_key(tier=as_tier(tier), credits=credits, days=days,
                                    label=label)
    finally:
        ledger.close()
    emit_json({"apiKey": created.api_key, **created.info.to_json_data(),
               "expiresAt": _when(created.info.expires_at_ms)})
    click.echo("Store the apiKey now: it is not shown again.", err=True)


@keys.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@DB_OPTION
@contract_errors
def keys_list(as_json: bool, db_url: str | None) -> None:
    """Every key: id, prefix, tier, balance, expiry, state."""
    ledger = _ledger(db_url)
    try:
        infos = ledger.list_keys()
    finally:
        ledger.close()
    if as_json:
        emit_json([i.to_json_data() for i in infos])
        return
    click.echo(f"{'key id':<31} {'prefix':<13} {'tier':<10} {'balance':>8}  "
               f"{'expires':<21} state")
    now = dt.datetime.now(tz=dt.UTC).timestamp() * 1000
    for i in infos:
        state = ("revoked" if i.revoked else
                 "expired" if i.expires_at_ms is not None and i.expires_at_ms <= now else
                 "active")
        click.echo(f"{i.key_id:<31} {i.key_prefix + '…':<13} {i.tier:<10} {i.balance:>8}  "
                   f"{_when(i.expires_at_ms):<21} {state}")


@keys.command("topup")
@click.argument("key_id")
@click.option("--credits", type=click.IntRange(1), required=True, help="Credits to add.")
@DB_OPTION
@contract_errors
def keys_topup(key_id: str, credits: int, db_url: str | None) -> None:
    """Add credits to a key."""
    ledger = _ledger(db_url)
    try:
        info = ledger.top_up(key_id, credits=credits)
    except KeyError:
        raise click.ClickException(f"no key with id {key_id}") from None
    finally:
        ledger.close()
    emit_json(info.to_json_data())


@keys.command("revoke")
@click.argument("key_id")
@DB_OPTION
@contract_errors
def keys_revoke(key_id: str, db_url: str | None) -> None:
    """Revoke a key for good (requests with it answer INVALID_API_KEY)."""
    ledger = _ledger(db_url)
    try:
        info = ledger.revoke(key_id)
    except KeyError:
        raise click.ClickException(f"no key with id {key_id}") from None
    finally:
        ledger.close()
    emit_json(info.to_json_data())


@bench.command("service")
@click.option("--concurrency", default=8, show_default=True, type=click.IntRange(1, 256))
@click.option("--requests", "n_requests", default=400, show_default=True,
              type=click.IntRange(10))
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Compose manifest (default: sample_media/compose.json when "
                                 "present, else a built-in 5-still manifest).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 16))
@contract_errors
def bench_service(concurrency: int, n_requests: int, manifest: Path | None,
                  workers: int) -> None:
    """Compose requests per second, p50/p99 latency, and the service's overhead per call."""
    from ..research.service_bench import format_table, run_service_bench

    result = run_service_bench(concurrency=concurrency, requests=n_requests,
                               manifest_path=manifest, workers=workers)
    click.echo(format_table(result))
