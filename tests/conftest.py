"""Shared fixtures: the bundled graph (parsed once per session) and the ../shared folder."""

from __future__ import annotations

import os
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
