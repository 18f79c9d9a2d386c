"""The package layout: research code (corpora, benches, calibration fitting, notebook helpers)
lives in `postprod.research`, and nothing a request runs imports it.

Every module under `core/postprod/` and `workbench/` is parsed (ast, nothing is imported) and
each import is resolved to an absolute module name. Only `postprod.research` itself and the
bodies of the CLI's `@bench.command(...)` functions (imported when the command runs) may import
`postprod.research`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RESEARCH = "postprod.research"


@dataclass(frozen=True)
class Violation:
    """One forbidden import: the importing module, the line, the module imported."""

    module: str
    line: int
    imported: str


def module_name(path: Path, *, root: Path) -> str:
    """``postprod.align.operation`` for ``ROOT/postprod/align/operation.py`` (``__init__``:
    the package's name)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_names(node: ast.Import | ast.ImportFrom, *, module: str, is_package: bool
                    ) -> list[str]:
    """Absolute names an import statement loads: ``import a.b`` -> a.b; ``from .x import y``
    -> both ``<pkg>.x`` and ``<pkg>.x.y`` (y may be a submodule)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = package[: len(package) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    return [source] + [f"{source}.{alias.name}" for alias in node.names]


def _is_bench_command(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Decorated with ``@bench.command(...)`` (a `postprod bench ...` subcommand)."""
    for dec in func.decorator_list:
        call = dec.func if isinstance(dec, ast.Call) else dec
        if (isinstance(call, ast.Attribute) and call.attr == "command"
                and isinstance(call.value, ast.Name) and call.value.id == "bench"):
            return True
    return False


def research_imports(path: Path, *, root: Path) -> list[Violation]:
    """The imports of `postprod.research` in the module at ``path`` that break the layout
    (none for the research package itself; those inside a CLI bench command are allowed)."""
    module = module_name(path, root=root)
    if module == RESEARCH or module.startswith(RESEARCH + "."):
        return []
    in_cli = module.startswith("postprod.cli.") or module == "postprod.cli"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Violation] = []

    def visit(node: ast.AST, *, allowed: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = allowed
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inside = allowed or (in_cli and _is_bench_command(child))
            if isinstance(child, (ast.Import, ast.ImportFrom)) and not allowed:
                names = _imported_names(child, module=module,
                                        is_package=path.name == "__init__.py")
                hit = next((n for n in names if n == RESEARCH or n.startswith(RESEARCH + ".")),
                           None)
                if hit is not None:
                    found.append(Violation(module, child.lineno, hit))
            if (isinstance(child, ast.Call) and not allowed and child.args
                    and isinstance(child.args[0], ast.Constant)
                    and isinstance(child.args[0].value, str)
                    and child.args[0].value.startswith(RESEARCH)
                    and getattr(child.func, "attr", getattr(child.func, "id", None))
                    == "import_module"):
                found.append(Violation(module, child.lineno, child.args[0].value))
            visit(child, allowed=inside)

    visit(tree, allowed=False)
    return found


def layout_violations(root: Path) -> list[Violation]:
    """Every forbidden import of `postprod.research` under ``root`` (a folder holding the
    ``postprod`` package, or any tree of modules such as the workbench)."""
    return [v for path in sorted(root.rglob("*.py")) for v in research_imports(path, root=root)]


def test_no_module_outside_research_imports_it() -> None:
    modules = sorted((REPO / "core" / "postprod").rglob("*.py"))
    assert len(modules) > 80  # the whole package is read, not an empty glob
    assert (REPO / "core" / "postprod" / "research" / "__init__.py").is_file()
    violations = layout_violations(REPO / "core") + layout_violations(REPO / "workbench")
    assert violations == []


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(("name", "text", "imported"), [
    ("postprod/align/bad.py", "from ..research.speech_corpus import build_corpus\n",
     "postprod.research.speech_corpus"),
    ("postprod/align/bad.py", "from .. import research\n", "postprod.research"),
    ("postprod/bad.py", "from .research import truth\n", "postprod.research"),
    ("postprod/service/bad.py", "import postprod.research.service_bench as b\n",
     "postprod.research.service_bench"),
    ("postprod/describe/bad.py",
     "def f():\n    from postprod.research.describe_bench import photo_rgb\n",
     "postprod.research.describe_bench"),
    ("postprod/batch/bad.py",
     "import importlib\nm = importlib.import_module('postprod.research.batch_bench')\n",
     "postprod.research.batch_bench"),
    # in the CLI: at module level, or in a command that is not a bench command
    ("postprod/cli/bad.py", "from ..research.timestamps_bench import run_bench\n",
     "postprod.research.timestamps_bench"),
    ("postprod/cli/bad.py",
     "@main.command('x')\ndef x():\n    from ..research.truth import sample_truth\n",
     "postprod.research.truth"),
])
def test_the_checker_finds_a_planted_import(tmp_path: Path, name: str, text: str,
                                            imported: str) -> None:
    root = _tree(tmp_path, {"postprod/__init__.py": "", "postprod/research/__init__.py": "",
                            "postprod/research/truth.py": "from ..align import x\n",
                            name: text})
    found = layout_violations(root)
    assert [(v.module, v.imported) for v in found] == [
        (module_name(root / name, root=root), imported)]


def test_the_checker_allows_research_itself_and_bench_commands(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "postprod/__init__.py": "",
        "postprod/research/__init__.py": "",
        "postprod/research/timestamps_bench.py": "from .speech_corpus import x\n"
                                                 "from ..align import y\n",
        "postprod/cli/timestamps_cmd.py": (
            "@bench.command('timestamps')\n@click.option('--quick')\ndef b(quick):\n"
            "    from ..research.timestamps_bench import run_bench\n"
            "    def inner():\n        from ..research.truth import sample_truth\n"),
        "postprod/align/fine.py": "from .research_notes import z\nfrom ..samples import s\n",
    })
    assert layout_violations(root) == []
