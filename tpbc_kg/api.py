"""The typed Python API behind the CLI, for notebooks and scripts.

Everything reads one knowledge base (tpbc_kg.kb): the compiled store of the current sources, built on
first use and opened read-only, so `show`, `query`, `sparql`, `stats` and `export` give the same facts.
Functions that take a `graph` argument also work on any rdflib Graph (for example one with a curator's
entry merged in).

>>> import tpbc_kg
>>> [row["drug"] for row in tpbc_kg.ask("drugs-by-class", **{"class": "HER2-targeted drug"})][:3]
['lapatinib', 'neratinib', 'pertuzumab']
>>> "HER2-targeted drug" in tpbc_kg.describe("tucatinib").types
True
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal, overload

from rdflib import Graph, URIRef

from tpbc_kg import export as _export
from tpbc_kg import kb as _kb
from tpbc_kg import show as _show
from tpbc_kg import stats as _stats
from tpbc_kg import store as _store
from tpbc_kg.build import StoreError
from tpbc_kg.load import load
from tpbc_kg.query import QueryResult, as_store, canned_query, execute, to_dicts
from tpbc_kg.resolve import resolve

STORE_KINDS = ("memory", "oxigraph")
"""--store values that are not folders: rdflib's engine (the reference), an in-memory Oxigraph store."""


@cache
def knowledge_base(location: str | Path | None = None, asserted_only: bool = False) -> _kb.KnowledgeBase:
    """The knowledge base every command reads, opened once per process (built first if the sources
    changed). location: a store root folder; None means TPBC_KG_STORE or the user's cache folder."""
    if location is not None:
        _check_not_a_typo(str(location))
    return _kb.open_kb(location, asserted_only=asserted_only)


@cache
def bundled_graph() -> Graph:
    """The curated (asserted) graph as an rdflib Graph, parsed from the sources the knowledge base is built
    from, once per process. It keeps each literal exactly as curated ("18.70", not Oxigraph's canonical
    18.7) and its blank nodes, which validation, curation and export need; queries read the store. Treat
    it as read-only; tpbc_kg.load() gives a copy to edit."""
    return load()


@cache
def inferred_triples() -> Graph:
    """The triples the reasoner infers and nobody asserted (tpbc_kg.inference), kept apart from the
    asserted graph so exports can leave them out."""
    return knowledge_base().inferred()


@cache
def query_graph() -> Graph:
    """The asserted plus the inferred triples as one in-memory rdflib Graph (rdflib's engine, the
    reference the Oxigraph answers are tested against)."""
    graph = Graph()
    for prefix, namespace in bundled_graph().namespace_manager.namespaces():
        graph.bind(prefix, namespace)
    graph += bundled_graph()
    graph += inferred_triples()
    return graph


def store_for(location: str | Path | None = None, asserted_only: bool = False) -> _store.QueryStore:
    """A store to run queries on: None or a folder -> the knowledge base (persistent Oxigraph);
    "memory" -> rdflib's engine over the same triples; "oxigraph" -> a private in-memory Oxigraph copy."""
    if location == "memory":
        return _store.MemoryStore(bundled_graph() if asserted_only else query_graph())
    if location == "oxigraph":
        empty = Graph() if asserted_only else inferred_triples()
        return _kb.in_memory(bundled_graph(), empty)
    return knowledge_base(location, asserted_only)


@cache
def query_store(location: str | Path | None = None, asserted_only: bool = False) -> _store.QueryStore:
    """store_for, opened once per process."""
    return store_for(location, asserted_only)


def _check_not_a_typo(location: str) -> None:
    """A bare word close to a store kind ("oxigrpah") is a typo, not a folder to create."""
    import difflib

    path = Path(location)
    if path.exists() or len(path.parts) > 1:
        return
    close = difflib.get_close_matches(location.casefold(), STORE_KINDS, n=1, cutoff=0.6)
    if close:
        raise StoreError(
            f"--store {location}: did you mean {close[0]}? (a folder in the current directory: ./{location})"
        )


def reload() -> None:
    """Forget the opened knowledge base and graphs (after the curated modules changed, or TPBC_KG_HOME
    moved); the next call opens the build of the new sources, building it if needed."""
    for cached in (knowledge_base, bundled_graph, inferred_triples, query_graph, query_store):
        cached.cache_clear()


def find(name: str, graph: Graph | None = None, store: str | Path | None = None) -> URIRef:
    """The IRI of the entity a user means by name (label, synonym, CURIE, identifier or IRI), in graph or
    else in the knowledge base (store: its folder, as for knowledge_base)."""
    if graph is not None:
        return resolve(graph, name)
    return knowledge_base(store).names().resolve(name)


def describe(name: str, graph: Graph | None = None, store: str | Path | None = None) -> _show.EntityReport:
    """What the knowledge base (or graph) says about the entity a user names: classes (inferred ones
    included), relations, claims with references, trials, resistance."""
    if graph is None and store in STORE_KINDS:
        graph = query_graph()  # an in-memory engine: the same triples, walked by rdflib
    view = graph if graph is not None else knowledge_base(store).graph()
    return _show.describe(view, find(name, graph, store))


def show_text(
    name: str, graph: Graph | None = None, width: int | None = None, store: str | Path | None = None
) -> str:
    return _show.render_text(describe(name, graph, store), width=width)


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


def run_query(
    name: str, source: Graph | _store.QueryStore | None = None, store: str | Path | None = None, **params: str
) -> tuple[_store.QueryStore, QueryResult]:
    """A canned query's answer as terms, with the store it ran on (for labels)."""
    target = as_store(source) if source is not None else query_store(store)
    return target, execute(target, canned_query(name), params)


@overload
def ask(
    name: str,
    graph: Graph | _store.QueryStore | None = None,
    *,
    sparql_json: Literal[False] = False,
    store: str | Path | None = None,
    **params: str,
) -> list[dict[str, Any]]: ...


@overload
def ask(
    name: str,
    graph: Graph | _store.QueryStore | None = None,
    *,
    sparql_json: Literal[True],
    store: str | Path | None = None,
    **params: str,
) -> tuple[list[dict[str, Any]], dict[str, Any]]: ...


def ask(
    name: str,
    graph: Graph | _store.QueryStore | None = None,
    *,
    sparql_json: bool = False,
    store: str | Path | None = None,
    **params: str,
) -> list[dict[str, Any]] | tuple[list[dict[str, Any]], dict[str, Any]]:
    """Answer the canned query `name` (a file of queries/) with parameters given by name, label, synonym,
    CURIE or IRI: `ask("drugs-bypassing-resistance", mechanism="PTEN loss")`. Rows are dicts (labels
    for entities, Python values for literals, lists for list columns); with sparql_json=True also the
    W3C SPARQL 1.1 JSON results document.

    The knowledge base is asked by default; store="memory" asks rdflib's engine over the same triples,
    store="some/folder" the knowledge base built in that folder. A graph or store passed as `graph` is
    asked directly."""
    from tpbc_kg.formats import sparql_json as to_json

    target, result = run_query(name, graph, store, **params)
    rows = to_dicts(target.names(), result)
    if sparql_json:
        return rows, to_json(result.vars, result.rows)
    return rows
