"""The typed Python API behind the CLI, for notebooks and scripts.

The bundled graph is parsed once per process and shared; functions that take a `graph` argument work
on any rdflib Graph (for example one with a curator's entry merged in).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from tpbc_kg import export as _export
from tpbc_kg import show as _show
from tpbc_kg import stats as _stats
from tpbc_kg import store as _store
from tpbc_kg.load import load, module_files, prefix_map
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


def _fill_store(store: ox.Store) -> None:
    """The query graph's triples, without building the merged rdflib copy."""
    _store.load_graph(store, bundled_graph())
    _store.load_graph(store, inferred_triples())


def bundled_sources() -> list[Path]:
    """What the bundled query graph is made of: the ontology and curated modules, and the reasoner's
    rules (a change to them changes the inferred triples)."""
    from tpbc_kg import reason

    return [*module_files(), Path(reason.__file__)]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tpbc-kg")
    except PackageNotFoundError:
        return "unknown"


def store_for(location: str | Path | None = None) -> _store.QueryStore:
    """A new store holding the bundled graph plus its inferred triples. location: "oxigraph" (the
    default, in memory), "memory" (rdflib) or a folder for a persistent Oxigraph store (opened as it
    is when its sources have not changed since it was built, rebuilt otherwise)."""
    location = _store.DEFAULT_STORE if location is None else location
    if location == "memory":
        return _store.MemoryStore(query_graph())
    if location == "oxigraph":
        store = ox.Store()
        _fill_store(store)
        return _store.OxigraphStore(store, prefix_map())
    _check_not_a_typo(str(location))
    sources = bundled_sources()
    return _store.open_persistent(
        Path(location),
        _store.fingerprint(sources, extra=[_version()]),
        _fill_store,
        prefix_map(),
        on_rebuild=_say,
    )


def _check_not_a_typo(location: str) -> None:
    """A bare word close to a store kind ("oxigrpah") is a typo, not a folder to create."""
    import difflib

    path = Path(location)
    if path.exists() or len(path.parts) > 1:
        return
    close = difflib.get_close_matches(location.casefold(), _store.STORE_KINDS, n=1, cutoff=0.6)
    if close:
        raise _store.StoreError(
            f"--store {location}: did you mean {close[0]}? (a folder in the current directory: ./{location})"
        )


def _say(message: str) -> None:
    import click

    click.echo(f"tpbc-kg: store: {message}", err=True)


@cache
def query_store(location: str | Path | None = None) -> _store.QueryStore:
    """The store the canned queries run on, opened once per process (see store_for)."""
    return store_for(location)


def reload() -> None:
    """Forget the parsed graphs and opened stores (after the curated modules changed, or TPBC_KG_HOME
    moved)."""
    for cached in (bundled_graph, inferred_triples, query_graph, query_store):
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
