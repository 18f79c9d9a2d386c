"""Small drawing helpers shared by the pages: errors, limits, prices, progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import streamlit as st

from postprod.contract import LIMITS, PostprodError, Tier, as_tier
from postprod.progress import Progress
from workbench import jobs
from workbench.session import error_dict

MB = 1_000_000


def record_error(step: str, exc: BaseException | dict[str, Any], *,
                 input_key: str | None = None) -> None:
    """Remember the error of ``step`` (with the fingerprint of the input that failed, so it
    disappears once that input changes)."""
    err = exc if isinstance(exc, dict) else error_dict(exc)
    st.session_state["errors"] = {**st.session_state["errors"],
                                  step: {**err, "input": input_key}}


def clear_error(step: str) -> None:
    """Forget the error of ``step``."""
    errors = dict(st.session_state["errors"])
    if errors.pop(step, None) is not None:
        st.session_state["errors"] = errors


def show_error(step: str, *, input_key: str | None = None) -> None:
    """Draw the remembered error of ``step`` in one box: code, message, field, what is allowed.

    An error recorded for another input than ``input_key`` is stale: it is dropped, not drawn.
    """
    err = st.session_state["errors"].get(step)
    if not err:
        return
    if err.get("input") is not None and input_key is not None and err["input"] != input_key:
        clear_error(step)
        return
    st.error(error_text(err), icon="🚫")


def error_text(err: dict[str, Any]) -> str:
    """A contract error as one markdown block."""
    lines = [f"**{err['code']}**: {err['message']}"]
    if err.get("field"):
        lines.append(f"field: `{err['field']}`")
    if err.get("allowed"):
        lines.append(f"allowed: {err['allowed']}")
    for d in err.get("details") or []:
        where = f" (`{d['field']}`)" if d.get("field") else ""
        lines.append(f"- {d.get('code', '')}{where}: {d.get('message', '')}")
    return "  \n".join(lines)


def tier() -> Tier:
    """The tier chosen in the sidebar."""
    return as_tier(str(st.session_state.get("tier") or "enterprise"))


def limits() -> Any:
    """The limits row of the chosen tier (contract §1.6)."""
    return LIMITS[tier()]


def fmt_mb(n_bytes: float) -> str:
    """Bytes as contract MB (10^6), two decimals."""
    return f"{n_bytes / MB:.2f} MB"


def price_line(label: str, quote: Callable[[], int]) -> int | None:
    """Show ``label: N credits`` from a quote call; a quote that fails shows why instead."""
    try:
        cost = quote()
    except PostprodError as exc:
        where = f" (`{exc.field}`)" if exc.field else ""
        allowed = f" (allowed: {exc.allowed})" if exc.allowed else ""
        if exc.code in ("TIER_LIMIT_EXCEEDED", "PAYLOAD_TOO_LARGE"):
            head = f"{label}: over the {tier()} tier's limits"
        else:
            head = f"{label}: cannot run on these files"
        st.warning(f"{head}: **{exc.code}**{where}: {exc.message}{allowed}", icon="⚠️")
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


def fmt_clock(seconds: float) -> str:
    """Seconds as ``m:ss``."""
    s = max(0, round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def job_panel(kind: str) -> jobs.Job | None:
    """The project's ``kind`` job: while it runs, a progress bar with the fraction of audio
    recognised, the time spent and the time left, and Cancel, refreshed every second (in a
    fragment, so the page stays usable); once it ends, one full rerun applies its outcome."""
    project = st.session_state.get("project_dir")
    if not project:
        return None
    folder = Path(project)
    job = jobs.current(folder)
    if job is None or job.kind != kind:
        return None
    running = job.status == "running"

    def _draw() -> None:
        live = jobs.current(folder)
        if live is None or live.id != job.id:
            return
        if live.status != "running":
            if live.id not in st.session_state["applied_jobs"]:
                st.rerun(scope="app")
            return
        p = live.progress
        fraction = p.fraction if p else 0.0
        heard = jobs.audio_fraction(live)
        eta = jobs.eta_sec(live)
        with st.container(border=True, key=f"job_box_{kind}"):
            st.markdown(f"⏳ **{live.label}** (runs on the server: you can leave this page or "
                        "reload it)")
            st.progress(min(1.0, max(0.0, fraction)),
                        text=(p.message or p.stage) if p else "starting")
            parts = []
            if heard is not None and p is not None and p.stage == "transcribe":
                parts.append(f"{heard:.0%} of the audio recognised")
            parts.append(f"elapsed {fmt_clock(live.elapsed_sec)}")
            parts.append(f"about {fmt_clock(eta)} left" if eta is not None
                         else "estimating the time left")
            st.caption(" · ".join(parts))
            if st.button("Cancel", key=f"cancel_{kind}", icon="⏹️"):
                jobs.cancel(folder)
                st.rerun(scope="app")

    st.fragment(_draw, run_every=1.0 if running else None)()
    return job
