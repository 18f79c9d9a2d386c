"""The HTTP service: the app factory. The routes (`routes/`) parse, get the key and the checks
injected (`dependencies`), hand priced work to the one priced path (`priced`) and let the
error handlers (`error_handlers`) map every failure to the contract's envelope.

Every response carries `X-Request-Id`, `X-Credits-Used` and `X-Credits-Remaining`
(`tracking`); the OpenAPI document comes from the routes' response models (`responses`,
`openapi`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from anyio import to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from .demo import ClientRateLimiter, DemoCache
from .dependencies import API_PREFIX, ServiceState
from .engines import Engines
from .error_handlers import install_error_handlers
from .ledger import Ledger
from .openapi import ServiceApp
from .ratelimit import RateLimiter
from .routes import demo, health, operations
from .settings import ServiceSettings
from .tracking import TrackingMiddleware, log, setup_logging
from .uploads import sweep_stale_uploads

__all__ = ["API_PREFIX", "create_app", "create_app_from_env"]

TAGS = [
    {"name": "operations", "description": "The production operations: an `X-API-Key`, "
                                          "credits charged on success."},
    {"name": "service", "description": "Health and readiness."},
    {"name": "Demo", "description": "Try the operations on the shipped sample project from "
                                    "this page: no key, no credits, a few calls a minute. "
                                    "Only this page's own token is accepted."}]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: ServiceState = app.state.service
    swept = await to_thread.run_sync(sweep_stale_uploads, state.settings.upload_dir)
    if swept:
        log.info("removed %d upload directories of processes that no longer run", swept)
    if state.settings.warm_up:
        timings = await to_thread.run_sync(state.engines.warm_up)
        log.info("warm-up done: %s", ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    yield
    state.ledger.close()


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The service as an ASGI app (one ledger connection pool and one set of engines).

    Opening the ledger upgrades its database to the newest schema revision.

    Args:
        settings: how to run; from the environment when None.
    """
    settings = settings or ServiceSettings.from_env()
    if settings.upload_dir:  # a configured upload folder may not exist yet
        Path(settings.upload_dir).mkdir(parents=True, exist_ok=True)
    ledger = Ledger(settings.db_url)
    state = ServiceState(
        settings=settings, ledger=ledger, limiter=RateLimiter(ledger.db),
        engines=Engines(whisper_model=settings.whisper_model),
        engine_jobs=anyio.CapacityLimiter(settings.max_engine_jobs),
        demo_limiter=ClientRateLimiter(per_minute=settings.demo_per_minute),
        demo_cache=DemoCache(size=64))
    setup_logging()
    app = ServiceApp(
        title="postprod workbench service",
        version="1.0.0",
        summary="Compose OTIO timelines, describe scenes, time scene cuts against narration.",
        description="The postproduction contract over HTTP. Every response carries "
                    "X-Request-Id, X-Credits-Used and X-Credits-Remaining; every error is the "
                    "contract's envelope.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        openapi_tags=TAGS,
        docs_url=None,  # served by routes.demo, from files installed with fastapi-offline
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.service = state
    app.state.settings, app.state.ledger, app.state.engines = settings, ledger, state.engines
    app.mount(demo.DOCS_ASSETS, StaticFiles(directory=_docs_assets_dir()), name="docs-assets")
    app.add_middleware(TrackingMiddleware)
    install_error_handlers(app)
    for router in (operations.router, health.router, demo.router):
        app.include_router(router)
    return app


def create_app_from_env() -> FastAPI:
    """The uvicorn factory (`postprod.service.app:create_app_from_env`): settings from the
    environment, so every worker process is configured alike."""
    return create_app(ServiceSettings.from_env())


def _docs_assets_dir() -> str:
    """Swagger UI's script, stylesheet and icon as installed by the fastapi-offline package."""
    import fastapi_offline

    return str(Path(fastapi_offline.__file__).parent / "static")
