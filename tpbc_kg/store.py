"""Where queries run: Oxigraph (pyoxigraph) by default, rdflib's in-memory store on request.

rdflib stays the object model the API hands out (tpbc_kg.load() returns an rdflib Graph, and `show`,
validation and curation work on it), but SPARQL runs on Oxigraph, which loads and answers an order of
magnitude or more faster (benchmarks/RESULTS.md). Three store kinds, chosen with `--store`:

- `oxigraph` (the default): an in-memory Oxigraph store, built per process;
- `memory`: rdflib's in-memory Graph, the engine the project started with (kept as a reference);
- a folder: a persistent Oxigraph store on disk. It is built once and then reopened in well under a
  second; a fingerprint of its sources (paths, sizes, modification times, package version) is kept beside
  the data, and the store is rebuilt automatically when a curated module changes.

Both store classes answer the same small interface (QueryStore), so the query code never asks which one
it has. A store also provides `names()`: the small rdflib graph of labels, synonyms, identifiers and types
that parameter resolution and table labels need, so they never walk a million-triple graph in Python.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

Row = tuple[Node | None, ...]
STORE_KINDS = ("oxigraph", "memory")
DEFAULT_STORE = "oxigraph"
METADATA_FILE = "tpbc-kg-store.json"
STORE_FORMAT_VERSION = 1

_XSD_STRING = str(XSD.string)
_RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "xml": ox.RdfFormat.RDF_XML,
}


# ------------------------------------------------------------------------------------------------------
# Terms
# ------------------------------------------------------------------------------------------------------


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Node | None:
    """The rdflib term for an Oxigraph term. A plain string comes back without a datatype, as rdflib
    parses it, so rows from both engines compare equal (RDF 1.1 makes the two forms the same literal)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == _XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The Oxigraph term for an rdflib term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r} to an Oxigraph term")


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

    def names(self) -> Graph:
        """Labels, synonyms, identifiers, types and subclass links: what name resolution reads."""
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
        from tpbc_kg.query import prepared_query

        result = self.graph.query(prepared_query(text), initBindings=dict(bindings or {}))
        return [str(v) for v in result.vars or []], [tuple(row) for row in result]

    def sparql(self, text: str, prefixes: Mapping[str, str]) -> tuple[list[str], list[Row]] | bool | Graph:
        from tpbc_kg.query import parse_sparql

        result = self.graph.query(parse_sparql(text))
        if result.type == "ASK":
            return bool(result.askAnswer)
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            return result.graph  # type: ignore[return-value]
        return [str(v) for v in result.vars or []], [tuple(row) for row in result]

    def names(self) -> Graph:
        return self.graph

    def serialize(self, fmt: str) -> bytes:
        from tpbc_kg.export import exporter

        return exporter(fmt).serialize(self.graph).encode("utf-8")


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
        substitutions = {ox.Variable(k): to_oxigraph(v) for k, v in (bindings or {}).items()}
        solutions = self.store.query(text, substitutions=substitutions or None)
        variables = [v.value for v in solutions.variables]
        return variables, [tuple(to_rdflib(s[v]) for v in variables) for s in solutions]

    def sparql(self, text: str, prefixes: Mapping[str, str]) -> tuple[list[str], list[Row]] | bool | Graph:
        answer = self.store.query(text, prefixes=dict(prefixes))
        if isinstance(answer, ox.QueryBoolean):
            return bool(answer)
        if isinstance(answer, ox.QueryTriples):
            return _rdflib_graph(answer, self.prefixes)
        variables = [v.value for v in answer.variables]
        return variables, [tuple(to_rdflib(s[v]) for v in variables) for s in answer]

    @cached_property
    def _names(self) -> Graph:
        return _rdflib_graph(self.store.query(NAMING_QUERY), self.prefixes)

    def names(self) -> Graph:
        return self._names

    def serialize(self, fmt: str) -> bytes:
        if fmt == "json-ld":  # compact, with the shipped context, straight from Oxigraph's triples
            from tpbc_kg.jsonld import store_to_jsonld

            return store_to_jsonld(self.store).encode("utf-8")
        if fmt not in _RDF_FORMATS:
            raise ValueError(f"Oxigraph writes turtle, nt and xml; {fmt!r} is written from rdflib")
        return self.store.dump(format=_RDF_FORMATS[fmt], from_graph=ox.DefaultGraph(), prefixes=self.prefixes)


def _rdflib_graph(triples: Iterable[ox.Triple], prefixes: Mapping[str, str]) -> Graph:
    graph = Graph()
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace)
    add = graph.add
    for triple in triples:
        add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
    return graph


# ------------------------------------------------------------------------------------------------------
# Persistent stores: built once, reopened fast, rebuilt when their sources change
# ------------------------------------------------------------------------------------------------------


class StoreError(ValueError):
    """A --store folder that cannot be used; the message says why and what to do."""


def fingerprint(sources: Sequence[Path], extra: Iterable[str] = ()) -> str:
    """What the store was built from: each source's path, size and modification time (cheap to check
    on every open, unlike hashing a large file), plus whatever else decides the content (the package
    version, for the inferred triples)."""
    digest = hashlib.sha256()
    for item in extra:
        digest.update(item.encode() + b"\0")
    for path in sources:
        stat = Path(path).stat()
        digest.update(f"{Path(path).resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def _read_metadata(directory: Path) -> dict[str, Any] | None:
    path = directory / METADATA_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_metadata(directory: Path, metadata: Mapping[str, Any]) -> None:
    from tpbc_kg.export import write_atomic

    write_atomic(directory / METADATA_FILE, json.dumps(metadata, indent=2, sort_keys=True) + "\n")


def _check_folder(directory: Path) -> dict[str, Any] | None:
    if directory.exists() and not directory.is_dir():
        raise StoreError(f"--store {directory}: is a file; give a folder (it is created if missing)")
    metadata = _read_metadata(directory) if directory.is_dir() else None
    if metadata is None and directory.is_dir() and any(directory.iterdir()):
        raise StoreError(
            f"--store {directory}: the folder is not empty and holds no tpbc-kg store "
            f"({METADATA_FILE} is missing); give an empty or new folder"
        )
    return metadata


def open_persistent(
    directory: Path,
    sources_print: str,
    build: Callable[[ox.Store], None],
    prefixes: Mapping[str, str] | None = None,
    on_rebuild: Callable[[str], None] | None = None,
) -> OxigraphStore:
    """The on-disk store in directory, rebuilt with build() first if it was built from other sources
    (fingerprint sources_print) or never finished building."""
    directory = Path(directory)
    metadata = _check_folder(directory)
    current = (
        metadata is not None
        and metadata.get("state") == "ready"
        and metadata.get("fingerprint") == sources_print
        and metadata.get("format") == STORE_FORMAT_VERSION
    )
    try:
        if current:
            return OxigraphStore(ox.Store(str(directory)), prefixes, directory)
        if on_rebuild is not None:
            on_rebuild("building" if metadata is None else "sources changed; rebuilding")
        directory.mkdir(parents=True, exist_ok=True)
        _write_metadata(directory, {"state": "building", "format": STORE_FORMAT_VERSION})
        store = ox.Store(str(directory))
        store.clear()
        build(store)
        store.flush()
        _write_metadata(
            directory,
            {
                "state": "ready",
                "format": STORE_FORMAT_VERSION,
                "fingerprint": sources_print,
                "triples": len(store),
            },
        )
        return OxigraphStore(store, prefixes, directory)
    except OSError as error:
        raise StoreError(
            f"--store {directory}: cannot open the store ({error}); another tpbc-kg process may be "
            "using it: wait for it to finish, or give another folder"
        ) from None


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
        raise StoreError(f"{path}: unknown RDF format; use .ttl, .nt, .nq, .rdf or .jsonld")
    try:
        store.bulk_load(path=str(path), format=fmt)
    except SyntaxError as error:
        from tpbc_kg.load import InputError

        raise InputError(path, f"{fmt.name} syntax error: {error}; fix the file and retry") from None
