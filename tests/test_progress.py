"""Progress bars: drawn on a terminal, never into a pipe or a log, never with --quiet."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from tpbc_kg import progress, store
from tpbc_kg.cli import main
from tpbc_kg.errors import EXIT_OK
from tpbc_kg.paths import ontology_dir


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch) -> Iterator[Terminal]:
    """A fake terminal on standard error. It is installed lazily, at the first write or isatty() during
    the test call: pytest's output capture replaces sys.stderr after fixtures are set up."""
    screen = Terminal()
    monkeypatch.setattr("tpbc_kg.progress._stderr", lambda: screen)
    monkeypatch.delenv("TPBC_KG_QUIET", raising=False)
    progress.set_quiet(False)
    yield screen
    progress.set_quiet(False)


MODULE = ontology_dir() / "data" / "genes.ttl"


def test_loading_a_store_draws_a_bar_on_a_terminal(terminal):
    target = ox.Store()
    store.load_files(target, [MODULE])
    assert "loading into Oxigraph" in terminal.getvalue(), repr(terminal.getvalue())
    assert len(target) > 0


def test_quiet_draws_nothing(terminal):
    progress.set_quiet(True)
    store.load_files(ox.Store(), [MODULE])
    assert terminal.getvalue() == ""


def test_quiet_from_the_environment(terminal, monkeypatch):
    monkeypatch.setenv("TPBC_KG_QUIET", "1")
    store.load_files(ox.Store(), [MODULE])
    assert terminal.getvalue() == ""


def test_a_pipe_gets_no_bar(monkeypatch):
    piped = io.StringIO()
    monkeypatch.setattr("tpbc_kg.progress._stderr", lambda: piped)
    store.load_files(ox.Store(), [MODULE])
    assert piped.getvalue() == ""


def test_cli_quiet_flag_keeps_the_terminal_clean(terminal, tmp_path):
    output = tmp_path / "kg.nt"
    assert main(["--quiet", "export", "--format", "nt", "--output", str(output)]) == EXIT_OK
    assert "exporting" not in terminal.getvalue()
    assert output.stat().st_size > 0
