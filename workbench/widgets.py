"""Small drawing helpers shared by the pages: errors, limits, prices, progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from postprod.contract import LIMITS, PostprodError
from postprod.progress import Progress

MB = 1_000_000


def error_dict(exc: BaseException) -> dict[str, Any]:
    """A `PostprodError` (or anything else) as plain data the page keeps until the next run."""
    if isinstance(exc, PostprodError):
        return {"code": exc.code, "message": exc.message, "field": exc.field,
                "allowed": exc.allowed,
                "details": [d.model_dump(exclude_none=True) for d in exc.details]}
    return {"code": "INTERNAL_ERROR", "message": f"{type(exc).__name__}: {exc}",
            "field": None, "allowed": None, "details": []}


def record_error(step: str, exc: BaseException) -> None:
    """Remember the error of ``step`` so it stays on the page until the step succeeds."""
    st.session_state["errors"] = {**st.session_state["errors"], step: error_dict(exc)}


def clear_error(step: str) -> None:
    """Forget the error of ``step``."""
    errors = dict(st.session_state["errors"])
    errors.pop(step, None)
    st.session_state["errors"] = errors


def show_error(step: str) -> None:
    """Draw the remembered error of ``step``, if any, naming the code, field and what is allowed."""
    err = st.session_state["errors"].get(step)
    if not err:
        return
    lines = [f"**{err['code']}**: {err['message']}"]
    if err.get("field"):
        lines.append(f"field: `{err['field']}`")
    if err.get("allowed"):
        lines.append(f"allowed: {err['allowed']}")
    for d in err.get("details") or []:
        where = f" (`{d['field']}`)" if d.get("field") else ""
        lines.append(f"- {d.get('code', '')}{where}: {d.get('message', '')}")
    st.error("  \n".join(lines), icon="🚫")


def tier() -> str:
    """The tier chosen in the sidebar."""
    return str(st.session_state.get("tier") or "enterprise")


def limits() -> Any:
    """The limits row of the chosen tier (contract §1.6)."""
    return LIMITS[tier()]  # type: ignore[index]


def fmt_mb(n_bytes: float) -> str:
    """Bytes as contract MB (10^6), two decimals."""
    return f"{n_bytes / MB:.2f} MB"


def price_line(label: str, quote: Callable[[], int]) -> int | None:
    """Show ``label: N credits`` from a quote call; a quote that fails shows why instead."""
    try:
        cost = quote()
    except PostprodError as exc:
        where = f" (`{exc.field}`)" if exc.field else ""
        st.warning(f"{label}: cannot run on the {tier()} tier: **{exc.code}**{where}: "
                   f"{exc.message}" + (f" (allowed: {exc.allowed})" if exc.allowed else ""),
                   icon="⚠️")
        return None
    except ImportError as exc:
        st.info(f"{label}: price not available ({exc})")
        return None
    st.markdown(f"💳 **{label}: {cost} credits** on the {tier()} tier")
    return cost


@contextmanager
def progress_status(label: str) -> Iterator[Callable[[Progress], None]]:
    """An `st.status` box with a progress bar fed by `Progress` events; marks error on failure."""
    with st.status(label, expanded=True) as box:
        bar = st.progress(0.0, text="starting")

        def on_progress(p: Progress) -> None:
            bar.progress(min(1.0, max(0.0, p.fraction)), text=p.message or p.stage)

        try:
            yield on_progress
        except BaseException:
            box.update(label=f"{label}: failed", state="error", expanded=True)
            raise
        bar.progress(1.0, text="done")
        box.update(label=f"{label}: done", state="complete", expanded=False)
