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


@cache
def inferred_triples() -> Graph:
    """What the OWL 2 RL fast path (tpbc_kg.reason) infers from the bundled graph and nobody asserted:
    defined classes (HER2-targeted drug, triple-therapy regimen ...) and property assertions from
    inverses, chains and transitivity. Kept apart from the asserted graph so exports can leave it out."""
    from tpbc_kg import reason

    return reason.inferred_graph(bundled_graph())


@cache
def query_graph() -> Graph:
    """The graph the canned queries run on: the bundled graph plus the inferred triples."""
    graph = Graph()
    for prefix, namespace in bundled_graph().namespace_manager.namespaces():
        graph.bind(prefix, namespace)
    for triple in bundled_graph():
        graph.add(triple)
    for triple in inferred_triples():
        graph.add(triple)
    return graph


def reload() -> None:
    """Forget the parsed graphs (after the curated modules changed, or TPBC_KG_HOME moved)."""
    for cached in (bundled_graph, inferred_triples, query_graph):
        cached.cache_clear()


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


def _export_source(graph: Graph | None, inferred: bool) -> Graph:
    if graph is not None:
        return graph
    return query_graph() if inferred else bundled_graph()


def export_text(fmt: str, graph: Graph | None = None, inferred: bool = False) -> str:
    """The graph in fmt; with inferred=True the reasoner's inferred triples are included."""
    return _export.serialize(_export_source(graph, inferred), fmt)


def export_file(fmt: str, path: Path, graph: Graph | None = None, inferred: bool = False) -> None:
    _export.export(_export_source(graph, inferred), fmt, path)
