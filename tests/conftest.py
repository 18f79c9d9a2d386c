"""Suite-wide switches: `--quick` leaves out the model, server, browser, notebook and slow tests.

CI and the README's test command run everything; `--quick` is for the edit-test loop only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_MEDIA = REPO_ROOT / "sample_media"
HEAVY_MARKERS = ("model", "server", "browser", "notebook", "slow")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--quick", action="store_true",
                     help="leave out tests marked model, server, browser, notebook or slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--quick"):
        return
    skip = pytest.mark.skip(reason="--quick: heavy test left out of the edit-test loop")
    for item in items:
        if any(item.get_closest_marker(m) for m in HEAVY_MARKERS):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def sample_media() -> Path:
    """The sample project folder (made by sample_media/make_samples.py, committed)."""
    return SAMPLE_MEDIA
