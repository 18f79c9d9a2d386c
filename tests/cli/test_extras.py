"""The base install is the library: importing the operations and running the CLI loads no
module of an extra, the extras in pyproject.toml ship every module `postprod.extras` expects,
and a command whose extra is missing says which extra to install (an envelope, no traceback)."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from postprod.contract.errors import EngineUnavailable
from postprod.extras import EXTRA_MODULES, OPTIONAL_MODULES, missing_extra_error, require_extra

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
OPTIONAL = sorted({m for mods in EXTRA_MODULES.values() for m in mods} | set(OPTIONAL_MODULES))


def _run(code: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=300, check=False, cwd=cwd)


def test_the_operations_and_the_cli_load_no_module_of_an_extra():
    code = (
        "import sys, json\n"
        "import postprod.compose, postprod.align, postprod.describe, postprod.render\n"
        "import postprod.media, postprod.contract, postprod.pipeline, postprod.bundle\n"
        "from postprod.cli import main\n"
        "for argv in (['--help'], ['compose', '--help'], ['describe', '--help'],\n"
        "             ['timestamps', '--help'], ['serve', '--help'], ['keys', '--help'],\n"
        "             ['workbench', '--help'], ['bench', '--help'], ['batch', '--help']):\n"
        "    try:\n"
        "        main(argv, standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n")
    done = _run(code)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "postprod" in loaded and "opentimelineio" in loaded  # it did import the library
    assert not loaded & set(OPTIONAL), sorted(loaded & set(OPTIONAL))
    for heavy in ("streamlit", "plotly", "psycopg", "psutil"):
        assert heavy not in loaded


@functools.cache
def _installed() -> dict[str, list[str]]:
    return metadata.packages_distributions()


def _distributions_of(module: str) -> set[str]:
    return {canonicalize_name(d) for d in _installed().get(module, [])}


def _requirement_names(reqs: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(r).name) for r in reqs}


def test_each_extra_installs_the_modules_it_promises_and_the_base_none_of_them():
    extras = PYPROJECT["optional-dependencies"]
    base = _requirement_names(PYPROJECT["dependencies"])
    for extra, modules in EXTRA_MODULES.items():
        declared = _requirement_names(extras[extra])
        for module in modules:
            dists = _distributions_of(module)
            assert dists, f"{module} is not installed here (scripts/setup.sh installs [all])"
            assert dists & declared, f"[{extra}] lacks a distribution of {module}: {dists}"
            assert not dists & base, f"{module} is in the base install"
    for module in OPTIONAL_MODULES:
        assert not _distributions_of(module) & base, f"{module} is in the base install"
    everything = set().union(*(_requirement_names(extras[e]) for e in EXTRA_MODULES))
    all_extra = Requirement(extras["all"][0])
    assert canonicalize_name(all_extra.name) == "postprod-workbench"
    assert set(all_extra.extras) == set(EXTRA_MODULES)
    assert everything  # [all] is every extra above
    assert not {"pocketsphinx", "streamlit", "plotly", "psycopg", "psutil"} & base
    assert len(PYPROJECT["dependencies"]) == len(base)  # nothing listed twice


def test_every_module_the_base_imports_is_a_base_requirement():
    """Third-party imports of the engines, contract, media, render and CLI are base
    requirements (or the standard library): the base install runs them."""
    import ast

    base = _requirement_names(PYPROJECT["dependencies"])
    # the HTTP service, the research package, the workbench's plots and the Ray pool: extras
    optional_parts = ("service/", "research/", "plots.py", "batch/ray_pool.py")
    unmet: dict[str, list[str]] = {}
    for path in sorted((ROOT / "core" / "postprod").rglob("*.py")):
        rel = path.relative_to(ROOT / "core" / "postprod").as_posix()
        if rel.startswith(optional_parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0
                     and node.module else [])
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("postprod", "__future__"):
                    continue
                if top in OPTIONAL:
                    continue  # an optional path: checked by the extras test above
                if not _distributions_of(top) & base:
                    unmet.setdefault(top, []).append(rel)
    assert not unmet


def _blocked_cli(blocked: list[str], *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`postprod ARGV` in a child where ``blocked`` modules cannot be imported (as on an
    install without their extra)."""
    code = ("import sys\n"
            f"for m in {blocked!r}:\n"
            "    sys.modules[m] = None\n"
            "from postprod.cli import main\n"
            "main(sys.argv[1:], prog_name='postprod')\n")
    return _run(code, *argv, cwd=cwd)


def _envelope(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stderr[done.stderr.index("{"):])["error"]


@pytest.mark.parametrize(("blocked", "argv", "extra"), [
    (["streamlit"], ["workbench"], "workbench"),
    (["fastapi", "uvicorn"], ["serve", "--no-warm-up"], "service"),
    (["sqlalchemy"], ["keys", "list", "--db", "sqlite:///ledger.db"], "service"),
    (["anyio", "fastapi", "sqlalchemy"], ["keys", "list"], "service"),
    (["jupyterlab"], ["notebooks", "nb", "--no-browser"], "notebooks"),
])
def test_a_command_without_its_extra_names_the_extra(blocked, argv, extra, tmp_path):
    done = _blocked_cli(blocked, *argv, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    err = _envelope(done)
    assert err["code"] == "ENGINE_UNAVAILABLE"
    assert f"'{extra}'" in err["message"] and blocked[0] in err["message"]
    assert err["allowed"] == f"pip install 'postprod-workbench[{extra}]'"


def test_a_batch_with_a_memory_limit_needs_psutil(monkeypatch, tmp_path):
    from postprod.batch import runner

    monkeypatch.setitem(sys.modules, "psutil", None)
    with pytest.raises(EngineUnavailable) as caught:
        runner.run([], out_dir=tmp_path, memory_limit_mb=512)
    assert caught.value.allowed == "pip install 'postprod-workbench[batch]'"
    report = runner.run([], out_dir=tmp_path, memory_limit_mb=None)  # no limit: no psutil
    assert report is not None


def test_an_import_of_a_module_outside_every_extra_is_a_bug_not_a_missing_extra():
    assert missing_extra_error(ModuleNotFoundError("x", name="no_such_module")) is None
    err = missing_extra_error(ModuleNotFoundError("x", name="plotly.graph_objects"))
    assert err is not None and "'workbench' or 'research'" in err.message
    assert "[all]" in (err.allowed or "")
    require_extra("workbench", purpose="the workbench")  # installed here: no error


def test_a_command_that_misses_a_module_of_no_extra_answers_an_internal_error_envelope():
    code = (
        "import click\n"
        "from postprod.cli import contract_errors\n"
        "@click.command()\n"
        "@contract_errors\n"
        "def cmd() -> None:\n"
        "    raise ModuleNotFoundError('no module', name='no_such_module')\n"
        "cmd()\n")
    done = _run(code)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    envelope = json.loads(done.stderr)
    assert envelope["error"]["code"] == "INTERNAL_ERROR"
    assert "ModuleNotFoundError" in envelope["error"]["message"]
