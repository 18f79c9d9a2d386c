"""The CLI's progress bar: drawn on a terminal, absent when stderr is captured."""

import io

import pytest

from postprod.cli import progress_bar
from postprod.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("stream", "drawn"), [(Terminal(), True), (io.StringIO(), False)])
def test_bar_follows_progress_on_a_terminal_only(stream: io.StringIO, drawn: bool,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr", stream)
    with progress_bar("timestamps") as on_progress:
        on_progress(Progress(stage="recognise", fraction=0.5, message="recognising speech"))
    text = stream.getvalue()
    assert ("timestamps:  50%" in text and "recognising speech" in text) is drawn
    assert (text == "") is not drawn
