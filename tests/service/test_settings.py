"""Service settings from POSTPROD_* variables: defaults, errors that name the variable, the
deprecated paid-quota names, and `postprod serve` refusing a bad value before it starts."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import postprod.service.settings as settings_module
from postprod.service.ratelimit import FREE_RATE_LIMIT, RateLimit
from postprod.service.settings import ServiceSettings, SettingsError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in [n for n in os.environ if n.startswith("POSTPROD_")]:
        monkeypatch.delenv(name)


def test_defaults_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    s = ServiceSettings()
    assert s.db_url == f"sqlite:///{tmp_path / 'postprod' / 'ledger.sqlite3'}"
    assert (s.whisper_model, s.warm_up, s.max_engine_jobs) == ("base", True, 2)
    assert s.rate_limit_for("premium") == RateLimit()
    assert s.rate_limit_for("free") == FREE_RATE_LIMIT
    monkeypatch.setenv("POSTPROD_WARM_UP", "0")
    monkeypatch.setenv("POSTPROD_MAX_ENGINE_JOBS", "3")
    monkeypatch.setenv("POSTPROD_PAID_RATE_PER_MINUTE", "40")
    monkeypatch.setenv("POSTPROD_UPLOAD_DIR", "")  # empty = unset
    s = ServiceSettings.from_env()
    assert (s.warm_up, s.max_engine_jobs, s.upload_dir) == (False, 3, None)
    assert s.rate_limit_for("enterprise") == RateLimit(per_minute=40)
    # Explicit values (the CLI's options) win over the environment.
    assert ServiceSettings(max_engine_jobs=5).max_engine_jobs == 5
    # What a worker process reads back is what the parent had.
    monkeypatch.delenv("POSTPROD_MAX_ENGINE_JOBS")
    for name, value in s.to_env().items():
        monkeypatch.setenv(name, value)
    assert ServiceSettings() == s


@pytest.mark.parametrize(("name", "value", "words"), [
    ("POSTPROD_MAX_ENGINE_JOBS", "two", "valid integer"),
    ("POSTPROD_MAX_ENGINE_JOBS", "0", "greater than 0"),
    ("POSTPROD_WARM_UP", "maybe", "valid boolean"),
    ("POSTPROD_PAID_RATE_PER_DAY", "-1", "greater than 0"),
    ("POSTPROD_DEMO_PER_MINUTE", "1.5", "valid integer"),
])
def test_an_invalid_value_names_its_variable(monkeypatch: pytest.MonkeyPatch, name: str,
                                             value: str, words: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        ServiceSettings()
    assert f"{name} = {value!r}" in str(err.value) and words in str(err.value)


def test_deprecated_paid_quota_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTPROD_PAID_PER_MINUTE", "7")
    monkeypatch.setenv("POSTPROD_PAID_PER_DAY", "70")
    with pytest.warns(DeprecationWarning) as warned:
        s = ServiceSettings()
    assert sorted(str(w.message).split()[0] for w in warned) == ["POSTPROD_PAID_PER_DAY",
                                                                 "POSTPROD_PAID_PER_MINUTE"]
    assert s.paid_rate_limit == RateLimit(per_minute=7, per_day=70)
    monkeypatch.setenv("POSTPROD_PAID_RATE_PER_MINUTE", "8")
    with pytest.raises(SettingsError, match="disagree"):
        ServiceSettings()
    monkeypatch.setenv("POSTPROD_PAID_RATE_PER_MINUTE", "7")  # both, agreeing: accepted
    with pytest.warns(DeprecationWarning):
        assert ServiceSettings().paid_rate_limit.per_minute == 7


def test_settings_do_not_import_the_ledger() -> None:
    tree = ast.parse(Path(settings_module.__file__).read_text())
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    assert not {m for m in imported if m.split(".")[-1] in ("ledger", "database", "schema")
                or m.startswith("sqlalchemy") or m.startswith("alembic")}, imported


def test_serve_refuses_a_bad_variable_before_starting(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "POSTPROD_MAX_ENGINE_JOBS": "many",
           "POSTPROD_DB_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}"}
    r = subprocess.run([sys.executable, "-m", "postprod", "serve", "--port", "1"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "POSTPROD_MAX_ENGINE_JOBS = 'many'" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "ledger.sqlite3").exists()  # nothing was opened
