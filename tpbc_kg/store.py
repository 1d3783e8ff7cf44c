"""The query engines behind one small interface (QueryStore): Oxigraph, and rdflib as the reference.

SPARQL runs on Oxigraph (pyoxigraph), which loads and answers an order of magnitude or more faster than
rdflib (benchmarks/RESULTS.md); the compiled, persistent store of the knowledge base (tpbc_kg.kb) is the
one every command reads. rdflib stays the object model the API hands out, and its engine stays as the
reference (`--store memory`): both answer select / sparql / names / serialize, so the query code never
asks which one it has. `names()` is the small rdflib graph of labels, synonyms, identifiers and types
that parameter resolution and table labels read, so they never walk a large graph in Python.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from tpbc_kg.names import NameTable
from tpbc_kg.terms import solutions, to_rdflib, to_rdflib_triple, triples, with_values
from tpbc_kg.terms import to_oxigraph as to_oxigraph  # re-exported for older callers

Row = tuple[Node | None, ...]
STORE_KINDS = ("oxigraph", "memory")
DEFAULT_STORE = "oxigraph"

_RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "xml": ox.RdfFormat.RDF_XML,
}


def to_store(graph: Graph) -> ox.Store:
    """An in-memory Oxigraph store holding the graph's triples (N-Triples keeps every term exact)."""
    store = ox.Store()
    load_graph(store, graph)
    return store


def load_graph(store: ox.Store, graph: Graph) -> None:
    store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)


# ------------------------------------------------------------------------------------------------------
# The interface both stores answer
# ------------------------------------------------------------------------------------------------------

# What parameter resolution and labels read: names, identifiers, types and the class hierarchy.
NAMING_QUERY = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX tpbc: <https://w3id.org/tpbc-kg/ontology#>
CONSTRUCT { ?s ?p ?o } WHERE {
  VALUES ?p { rdf:type rdfs:label rdfs:subClassOf skos:altLabel skos:prefLabel tpbc:acronym
              tpbc:hgncSymbol tpbc:identifier tpbc:hgncId tpbc:drugbankId tpbc:nctId tpbc:uniiId
              tpbc:reactomeId tpbc:entrezId tpbc:uniprotId tpbc:ensemblId tpbc:doi tpbc:pmid
              tpbc:casNumber tpbc:armLabel }
  ?s ?p ?o
}
"""


class QueryStore(Protocol):
    """What the query layer needs from a store."""

    kind: str

    def __len__(self) -> int: ...

    def select(self, text: str, bindings: Mapping[str, Node] | None = None) -> tuple[list[str], list[Row]]:
        """Variables and rows (rdflib terms, None when unbound) of a SELECT query; bindings are bound
        by the engine (initBindings / substitutions), never pasted into the text."""
        ...

    def sparql(self, text: str, prefixes: Mapping[str, str]) -> tuple[list[str], list[Row]] | bool | Graph:
        """An ad-hoc query: SELECT -> (variables, rows), ASK -> bool, CONSTRUCT/DESCRIBE -> Graph."""
        ...

    def names(self) -> NameTable:
        """Labels, synonyms, identifiers, types and subclass links: what name resolution and table
        labels read (tpbc_kg.names)."""
        ...

    def serialize(self, fmt: str) -> bytes:
        """The store's triples in an RDF format (turtle, nt, xml)."""
        ...


@dataclass
class MemoryStore:
    """rdflib's in-memory Graph: the slow reference engine, and any Graph a caller passes in."""

    graph: Graph
    kind: str = "memory"

    def __len__(self) -> int:
        return len(self.graph)

    def select(self, text: str, bindings: Mapping[str, Node] | None = None) -> tuple[list[str], list[Row]]:
        result = self.graph.query(_prepared(text), initBindings=dict(bindings or {}))  # type: ignore[arg-type]
        return [str(v) for v in result.vars or []], [tuple(row) for row in result]  # type: ignore[arg-type]

    def sparql(self, text: str, prefixes: Mapping[str, str]) -> tuple[list[str], list[Row]] | bool | Graph:
        result = self.graph.query(text, initNs=dict(prefixes))
        if result.type == "ASK":
            return bool(result.askAnswer)
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            return result.graph  # type: ignore[return-value]
        return [str(v) for v in result.vars or []], [tuple(row) for row in result]  # type: ignore[arg-type]

    @cached_property
    def _names(self) -> NameTable:
        return NameTable.from_graph(self.graph)

    def names(self) -> NameTable:
        return self._names

    def serialize(self, fmt: str) -> bytes:
        from tpbc_kg.export import exporter

        return exporter(fmt).serialize(self.graph).encode("utf-8")


@cache
def _prepared(text: str) -> Any:
    """rdflib's parsed form of a canned query, parsed once per process."""
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(text)


class OxigraphStore:
    """An Oxigraph store, in memory or on disk, behind the QueryStore interface."""

    kind = "oxigraph"

    def __init__(
        self, store: ox.Store, prefixes: Mapping[str, str] | None = None, location: Path | None = None
    ):
        self.store = store
        self.prefixes = dict(prefixes or {})
        self.location = location

    def __len__(self) -> int:
        return len(self.store)

    def select(self, text: str, bindings: Mapping[str, Node] | None = None) -> tuple[list[str], list[Row]]:
        answer = solutions(self.store.query(with_values(text, bindings)))
        variables = [v.value for v in answer.variables]
        return variables, [tuple(to_rdflib(s[v]) for v in variables) for s in answer]

    def sparql(self, text: str, prefixes: Mapping[str, str]) -> tuple[list[str], list[Row]] | bool | Graph:
        return ad_hoc_answer(self.store.query(text, prefixes=dict(prefixes)), self.prefixes)

    @cached_property
    def _names(self) -> NameTable:
        return NameTable.from_graph(rdflib_graph(triples(self.store.query(NAMING_QUERY)), self.prefixes))

    def names(self) -> NameTable:
        return self._names

    def serialize(self, fmt: str) -> bytes:
        if fmt == "json-ld":  # compact, with the shipped context, straight from Oxigraph's triples
            from tpbc_kg.jsonld import store_to_jsonld

            return store_to_jsonld(self.store).encode("utf-8")
        if fmt not in _RDF_FORMATS:
            raise ValueError(f"Oxigraph writes turtle, nt and xml; {fmt!r} is written from rdflib")
        dumped = self.store.dump(
            format=_RDF_FORMATS[fmt], from_graph=ox.DefaultGraph(), prefixes=self.prefixes
        )
        return dumped or b""


def ad_hoc_answer(
    answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, prefixes: Mapping[str, str]
) -> tuple[list[str], list[Row]] | bool | Graph:
    """An Oxigraph answer as the QueryStore interface gives it: SELECT -> (variables, rows of rdflib terms),
    ASK -> bool, CONSTRUCT/DESCRIBE -> an rdflib Graph with the prefixes bound."""
    if isinstance(answer, ox.QueryBoolean):
        return bool(answer)
    if isinstance(answer, ox.QueryTriples):
        return rdflib_graph(answer, prefixes)
    variables = [v.value for v in answer.variables]
    return variables, [tuple(to_rdflib(s[v]) for v in variables) for s in answer]


def rdflib_graph(triples: Iterable[ox.Triple], prefixes: Mapping[str, str]) -> Graph:
    graph = Graph()
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace)
    add = graph.add
    for triple in triples:
        add(to_rdflib_triple(triple))
    return graph


def load_files(store: ox.Store, files: Sequence[Path]) -> None:
    """Bulk-load RDF files into store (format from each file's extension), with a progress bar."""
    from tpbc_kg.progress import progress

    total = sum(os.path.getsize(path) for path in files)
    with progress("loading into Oxigraph", total=total, unit="B") as advance:
        for path in files:
            load_file(store, Path(path))
            advance(os.path.getsize(path))


def load_file(store: ox.Store, path: Path) -> None:
    """Bulk-load one RDF file; a syntax error is an InputError naming the file and position."""
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".").lower())
    if fmt is None:
        raise ValueError(f"{path}: unknown RDF format; use .ttl, .nt, .nq, .rdf or .jsonld")
    try:
        store.bulk_load(path=str(path), format=fmt)
    except SyntaxError as error:
        from tpbc_kg.load import InputError

        raise InputError(path, f"{fmt.name} syntax error: {error}; fix the file and retry") from None
