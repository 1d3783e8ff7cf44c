"""The bad-input corpus (tests/data/bad-inputs/cases.toml): every case runs its command as a user would
and must end with its exit code, a message holding its fragment, no traceback (printed or logged), and
nothing changed that it names as unchanged. tests/data/bad-inputs/README.md describes the case format."""

from __future__ import annotations

import io
import logging
import os
import shutil
import tomllib
from pathlib import Path

import pytest

from tpbc_kg import api, atomic, curate, validate
from tpbc_kg.cli import main
from tpbc_kg.paths import project_root

BAD = Path(__file__).resolve().parent / "data" / "bad-inputs"
CASES = tomllib.loads((BAD / "cases.toml").read_text(encoding="utf-8"))["case"]
PREFIXES = "\n".join(
    f"@prefix {prefix}: <{iri}> ."
    for prefix, iri in {
        "kg": "https://w3id.org/tpbc-kg/id/",
        "tpbc": "https://w3id.org/tpbc-kg/ontology#",
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "dcterms": "http://purl.org/dc/terms/",
    }.items()
)


def _generated(kind: str) -> bytes:
    """Inputs too big or too odd to keep as text in cases.toml."""
    if kind == "oversized-description":
        text = "A fictional gene. " * 580_000  # about 10 MB
        return (
            f'{PREFIXES}\nkg:gene-HUGE1 a tpbc:Gene ;\n    rdfs:label "HUGE1"@en ;\n'
            f'    dcterms:description "{text}"@en .\n'
        ).encode()
    if kind == "latin-1":
        return f'{PREFIXES}\nkg:gene-CAF1 a tpbc:Gene ; rdfs:label "caf\u00e9 gene"@en .\n'.encode("latin-1")
    if kind == "nul-bytes":
        return b"\x00\x01\x02SELECT\x00"
    raise ValueError(f"unknown generated input {kind!r}")


def _expand(text: str, places: dict[str, str]) -> str:
    for key, value in places.items():
        text = text.replace("{" + key + "}", value)
    return text


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """One private copy of the project for the whole corpus: no case may change it, so the bundled graph
    is parsed once; the snapshot comparison after each case proves that nothing did."""
    root = tmp_path_factory.mktemp("home")
    for folder in ("ontology", "shapes", "queries", "examples"):
        shutil.copytree(project_root() / folder, root / folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TPBC_KG_HOME", str(root))
        patch.setenv("TPBC_KG_QUIET", "1")
        api.reload()
        validate.shapes_graph.cache_clear()
        yield root
    api.reload()
    validate.shapes_graph.cache_clear()


def _snapshot(paths: list[Path]) -> dict[str, tuple[bytes, int] | None]:
    state: dict[str, tuple[bytes, int] | None] = {}
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        files = [f for f in files if f.name != curate.LOCK_NAME]  # the lock file is not a module
        for file in files:
            state[str(file)] = (file.read_bytes(), file.stat().st_mode) if file.exists() else None
    return state


def _fail_on(monkeypatch, what: str) -> None:
    if what == "interrupt-on-replace":

        def interrupted(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(curate.os, "replace", interrupted)
        monkeypatch.setattr(atomic.os, "replace", interrupted)
    elif what == "disk-full-on-write":

        class Full:
            def __init__(self, fd, *args, **kwargs):
                self.fd = fd

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                os.close(self.fd)

            def fileno(self):
                return self.fd

            def write(self, data):
                raise OSError(28, "No space left on device")

        monkeypatch.setattr(atomic.os, "fdopen", Full)
    else:
        raise ValueError(f"unknown failure {what!r}")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input(case, home, tmp_path, capsys, caplog, monkeypatch):
    places = {
        "tmp": str(tmp_path),
        "inputs": str(BAD / "inputs"),
        "examples": str(home / "examples"),
        "project": str(home),
        "PREFIXES": PREFIXES,
    }
    for name, content in case.get("files", {}).items():
        path = Path(_expand(name, places))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_expand(content, places), encoding="utf-8")
    for name, kind in case.get("generate", {}).items():
        Path(_expand(name, places)).write_bytes(_generated(kind))
    for name in case.get("folders", []):
        Path(_expand(name, places)).mkdir(parents=True, exist_ok=True)
    for key, value in case.get("env", {}).items():
        monkeypatch.setenv(key, _expand(value, places))
    if "stdin" in case:
        monkeypatch.setattr("sys.stdin", io.StringIO(case["stdin"]))
    if "fail" in case:
        _fail_on(monkeypatch, case["fail"])

    watched = [home / "ontology"] if "modules" in case["unchanged"] else []
    watched += [Path(_expand(p, places)) for p in case["unchanged"] if p != "modules"]
    before = _snapshot(watched)
    argv = [_expand(arg, places) for arg in case["command"]]
    caplog.set_level(logging.WARNING)
    if case.get("hold_lock"):
        with curate.writer_lock():
            code = main(argv)
    else:
        code = main(argv)
    out, err = capsys.readouterr()
    said = out + err

    assert code == case["exit"], said
    assert case["message"] in said, said
    assert "Traceback" not in said
    assert not [r for r in caplog.records if r.exc_info or r.name.startswith("rdflib")], caplog.text
    assert _snapshot(watched) == before, "a file the case names as unchanged changed"
    for path in watched:
        folder = path if path.is_dir() else path.parent
        assert not list(folder.glob(".*.tmp")), f"a temporary file was left in {folder}"


def test_the_corpus_covers_every_command():
    commands = {case["command"][0] for case in CASES}
    assert {"show", "stats", "export", "validate", "add", "reason", "queries", "query", "sparql"} <= commands
    assert len(CASES) >= 60
    assert len({case["id"] for case in CASES}) == len(CASES)
