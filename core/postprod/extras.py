"""Optional parts of the product and the pip extras that install them.

The base install (``pip install postprod-workbench``) is the library: the contract, the three
operations with their engines, rendering and the CLI. The HTTP service, the workbench, the
research benches, Ray and the notebooks each come with an extra; a command that needs one that
is missing fails with ``ENGINE_UNAVAILABLE`` naming the extra to install (never a traceback).
"""

from __future__ import annotations

import importlib.util

from .contract.errors import EngineUnavailable

PACKAGE = "postprod-workbench"

EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "service": ("fastapi", "fastapi_offline", "uvicorn", "python_multipart", "sqlalchemy",
                "httpx"),
    "workbench": ("streamlit", "plotly", "librosa", "soundfile"),
    "research": ("plotly", "psutil", "soundfile", "scipy", "librosa", "httpx", "playwright"),
    "batch": ("psutil",),
    "ray": ("ray",),
    "notebooks": ("jupyterlab", "ipywidgets"),
}
"""Extra -> the top-level modules it must make importable (PostgreSQL's driver, psycopg, is
installed by `service` too but only loaded for a ``postgresql+psycopg://`` ledger)."""

OPTIONAL_MODULES: dict[str, str] = {
    "psycopg": "service", "anyio": "service", "starlette": "service", "alembic": "service",
    "pydantic_settings": "service"}
"""More modules of an extra (declared by it or installed with its packages) that are not
checked up front, with the extra: a failed import of one names that extra."""


def extras_providing(module: str) -> list[str]:
    """The extras that install top-level ``module`` (e.g. ``"plotly"`` -> workbench, research),
    in the order of `EXTRA_MODULES`; empty for a module of the base install."""
    top = module.split(".")[0]
    found = [extra for extra, modules in EXTRA_MODULES.items() if top in modules]
    if not found and top in OPTIONAL_MODULES:
        found = [OPTIONAL_MODULES[top]]
    return found


def install_hint(extras: list[str]) -> str:
    """``pip install 'postprod-workbench[service]'`` (several extras: one of them, or all)."""
    if len(extras) == 1:
        return f"pip install '{PACKAGE}[{extras[0]}]'"
    return (" or ".join(f"pip install '{PACKAGE}[{e}]'" for e in extras)
            + f" (or '{PACKAGE}[all]')")


def missing_modules(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here (without importing them)."""
    return [m for m in EXTRA_MODULES[extra] if importlib.util.find_spec(m) is None]


def require_extra(extra: str, *, purpose: str) -> None:
    """Check, without importing them, that the modules of ``extra`` are installed.

    Args:
        extra: a key of `EXTRA_MODULES` (``"service"``, ``"workbench"`` ...).
        purpose: what needs it, for the message (``"the HTTP service"``).

    Raises:
        EngineUnavailable: some are missing; the message names them, ``allowed`` the
            ``pip install`` line.
    """
    missing = missing_modules(extra)
    if missing:
        raise EngineUnavailable(
            f"{purpose} needs the '{extra}' extra ({', '.join(missing)} not installed)",
            allowed=install_hint([extra]))


def missing_extra_error(exc: ModuleNotFoundError) -> EngineUnavailable | None:
    """``ENGINE_UNAVAILABLE`` naming the extra for an import of an optional module that
    failed; None when the module belongs to no extra (then it is a bug, not a missing extra)."""
    extras = extras_providing(exc.name or "")
    if not extras:
        return None
    return EngineUnavailable(
        f"this command needs {exc.name!r}, installed with the "
        + " or ".join(f"'{e}'" for e in extras) + " extra",
        allowed=install_hint(extras))
