"""Shared fixtures: the bundled graph (parsed once per session) and the ../shared folder."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from rdflib import Graph

import tpbc_kg
from tpbc_kg import api
from tpbc_kg.load import bind_prefixes, load_schema, parse_into
from tpbc_kg.paths import project_root

# The knowledge base the tests open: a folder of this machine's temp space, not the user's cache (builds
# are named by the sources' content hash, so runs and xdist workers share a build and never a stale one).
os.environ.setdefault("TPBC_KG_STORE", str(Path(tempfile.gettempdir()) / f"tpbc-kg-test-store-{os.getuid()}"))

REPO = project_root()
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session", autouse=True)
def knowledge_base_built() -> None:
    """Build the tests' knowledge base once, quietly, before any test runs a command: otherwise the first
    command's "building the knowledge base" note lands in the output a test reads. (xdist workers wait
    for each other on the build lock.)"""
    from tpbc_kg.build import default_root, ensure_built

    ensure_built(default_root())


@pytest.fixture(scope="session")
def graph() -> Graph:
    return tpbc_kg.bundled_graph()


@pytest.fixture(scope="session")
def schema() -> Graph:
    """The TBox alone, parsed once; copy it (schema_with) before adding to it."""
    return load_schema()


def schema_with(schema: Graph, *files: Path) -> Graph:
    """A fresh graph: the schema plus the given files (the shared schema graph is not touched)."""
    graph = bind_prefixes(Graph())
    for triple in schema:
        graph.add(triple)
    for path in files:
        parse_into(graph, path)
    return graph


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared beside the repository: source documents, checklist and reference data."""
    path = (REPO / ".." / "shared").resolve()
    if not (path / "reference").is_dir():
        pytest.fail(f"{path} is missing: clone the repository with ../shared beside it (see README)")
    return path


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A private copy of ontology/, shapes/ and queries/ that `add` may change."""
    for folder in ("ontology", "shapes", "queries"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    monkeypatch.setenv("TPBC_KG_HOME", str(tmp_path))
    api.reload()
    from tpbc_kg import validate

    validate.shapes_graph.cache_clear()
    yield tmp_path
    api.reload()
    validate.shapes_graph.cache_clear()


_TEMPLATE_MARKER = re.compile(
    r"TEMPLATE(?::\s*(?:replace with your own description\.|replace or delete this note\.|replace\.)?)?\s*"
)


def filled_template(template: Path, folder: Path) -> Path:
    """A copy of an example entry as a curator hands it in after editing it: every TEMPLATE marker taken
    out of its values (a value that was only a marker deleted), every placeholder identifier deleted.
    The examples themselves are refused by validate and add; their filled copies must pass."""
    from rdflib import Literal

    from tpbc_kg.identifiers import is_placeholder

    fmt = "json-ld" if template.suffix == ".jsonld" else "turtle"
    graph = Graph().parse(template, format=fmt)
    out = bind_prefixes(Graph())
    for subject, predicate, obj in graph:
        if isinstance(obj, Literal):
            if is_placeholder(str(obj)):
                continue
            text = _TEMPLATE_MARKER.sub("", str(obj)).strip()
            if not text:
                continue
            obj = Literal(text, lang=obj.language, datatype=obj.datatype)
        out.add((subject, predicate, obj))
    path = folder / template.name
    out.serialize(path, format=fmt)
    return path
