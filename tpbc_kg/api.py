"""The typed Python API behind the CLI, for notebooks and scripts.

The bundled graph is parsed once per process and shared; functions that take a `graph` argument work
on any rdflib Graph (for example one with a curator's entry merged in).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rdflib import Graph, URIRef

from tpbc_kg import export as _export
from tpbc_kg import show as _show
from tpbc_kg import stats as _stats
from tpbc_kg.load import load
from tpbc_kg.resolve import resolve


@cache
def bundled_graph() -> Graph:
    """The bundled graph, parsed once and cached. Treat it as read-only; call load() for a copy to edit."""
    return load()


def query_graph() -> Graph:
    """The graph the canned queries run on: the bundled graph plus, once reasoning is wired in, the
    triples it infers (kept apart so exports can leave them out)."""
    return bundled_graph()


def find(name: str, graph: Graph | None = None) -> URIRef:
    """The IRI of the entity a user means by name (label, synonym, CURIE, identifier or IRI)."""
    return resolve(graph if graph is not None else bundled_graph(), name)


def describe(name: str, graph: Graph | None = None) -> _show.EntityReport:
    graph = graph if graph is not None else bundled_graph()
    return _show.describe(graph, resolve(graph, name))


def show_text(name: str, graph: Graph | None = None, width: int | None = None) -> str:
    return _show.render_text(describe(name, graph), width=width)


def stats(graph: Graph | None = None) -> _stats.GraphStats:
    return _stats.compute(graph if graph is not None else bundled_graph())


def stats_text(graph: Graph | None = None) -> str:
    return _stats.render_text(stats(graph))


def export_text(fmt: str, graph: Graph | None = None) -> str:
    return _export.serialize(graph if graph is not None else bundled_graph(), fmt)


def export_file(fmt: str, path: Path, graph: Graph | None = None) -> None:
    _export.export(graph if graph is not None else bundled_graph(), fmt, path)
