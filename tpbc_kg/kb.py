"""The knowledge base: one compiled store, opened read-only, behind every command and the Python API.

`open_kb()` finds (or builds, see tpbc_kg.build) the store of the current sources and opens it
read-only, so a terminal, a notebook and a web server share one store. Queries see the *union* of
the asserted and inferred graphs as their default graph - `?x a tpbc:Drug` finds every drug whatever
subclass it was curated as - unless the knowledge base is opened with `asserted_only=True`, which
shows the curated triples alone.

>>> kb = open_kb()
>>> columns, rows = kb.select("SELECT ?d WHERE { ?d a tpbc:Drug ; rdfs:label 'tucatinib'@en }")
>>> [str(row[0]) for row in rows]
['https://w3id.org/tpbc-kg/id/drug-tucatinib']
>>> kb.sparql("ASK { kg:drug-trastuzumab a tpbc:Drug }")
True
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from tpbc_kg.build import (
    ASSERTED_GRAPH,
    DATA_FOLDER,
    INFERRED_GRAPH,
    NAMES_FILE,
    Manifest,
    StoreError,
    default_root,
    ensure_built,
    is_build,
    set_aside,
)
from tpbc_kg.load import prefix_map
from tpbc_kg.names import NameTable
from tpbc_kg.store import NAMING_QUERY, Row, ad_hoc_answer, rdflib_graph
from tpbc_kg.terms import to_rdflib, triples, with_values

_ASSERTED = ox.NamedNode(ASSERTED_GRAPH)
_INFERRED = ox.NamedNode(INFERRED_GRAPH)


class KnowledgeBase:
    """The compiled store of one build, with the names, labels and prefixes every command reads.

    It answers the QueryStore interface of tpbc_kg.store (select, sparql, names, serialize), so the
    query layer runs on it unchanged."""

    kind = "oxigraph"

    def __init__(
        self,
        store: ox.Store,
        *,
        location: Path | None = None,
        manifest: Manifest | None = None,
        asserted_only: bool = False,
    ) -> None:
        self.store = store
        self.location = location
        self.manifest = manifest
        self.asserted_only = asserted_only
        self.prefixes = prefix_map()

    def __len__(self) -> int:
        """Triples in the dataset, counted per named graph (asserted and inferred never overlap)."""
        graphs = (_ASSERTED,) if self.asserted_only else (_ASSERTED, _INFERRED)
        return sum(sum(1 for _ in self.store.quads_for_pattern(None, None, None, g)) for g in graphs)

    def __repr__(self) -> str:
        where = self.location or "memory"
        scope = "asserted" if self.asserted_only else "asserted+inferred"
        return f"<KnowledgeBase {where} ({scope})>"

    # -- querying ---------------------------------------------------------------------------------

    def _dataset(self) -> dict[str, Any]:
        """The default graph queries see: asserted ∪ inferred, or the asserted graph alone."""
        if self.asserted_only:
            return {"default_graph": _ASSERTED}
        return {"use_default_graph_as_union": True}

    def query(self, text: str, bindings: Mapping[str, Node] | None = None, **options: Any) -> Any:
        """Oxigraph's answer to text over this knowledge base's dataset; bindings are substituted by
        the engine, never pasted into the text."""
        bound = with_values(text, bindings)
        return self.store.query(bound, prefixes=self.prefixes, **self._dataset(), **options)

    def select(self, text: str, bindings: Mapping[str, Node] | None = None) -> tuple[list[str], list[Row]]:
        """Variables and rows (rdflib terms, None when unbound) of a SELECT query."""
        solutions = self.query(text, bindings)
        variables = [v.value for v in solutions.variables]
        return variables, [tuple(to_rdflib(s[v]) for v in variables) for s in solutions]

    def sparql(
        self, text: str, prefixes: Mapping[str, str] | None = None
    ) -> tuple[list[str], list[Row]] | bool | Graph:
        """An ad-hoc query: SELECT -> (variables, rows), ASK -> bool, CONSTRUCT/DESCRIBE -> Graph."""
        return ad_hoc_answer(self.query(text), self.prefixes)

    # -- names, graphs and serialisations -----------------------------------------------------------

    @cached_property
    def _names(self) -> NameTable:
        kept = self.location / NAMES_FILE if self.location is not None else None
        if kept is not None and kept.is_file() and not self.asserted_only:
            try:
                with kept.open("rb") as handle:
                    table = pickle.load(handle)
                if isinstance(table, NameTable):
                    return table
            except (OSError, pickle.UnpicklingError, AttributeError, EOFError, TypeError, ValueError):
                pass  # written by other code: compute it (below) rather than fail
        return NameTable.from_graph(rdflib_graph(triples(self.query(NAMING_QUERY)), self.prefixes))

    def names(self) -> NameTable:
        """Labels, synonyms, identifiers, types (inferred ones included) and the class hierarchy: what
        name resolution and table labels read, kept with the build (tpbc_kg.names)."""
        return self._names

    def _dataset_triples(self) -> list[ox.Triple]:
        return list(self.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))

    def graph(self) -> Graph:
        """An rdflib view of the dataset, read straight from the store (oxrdflib): what `show`,
        `stats` and notebooks walk with rdflib's API. Read-only."""
        import oxrdflib
        from rdflib import Dataset, URIRef

        backend = oxrdflib.OxigraphStore(store=self.store)
        view: Graph
        if self.asserted_only:
            view = Graph(store=backend, identifier=URIRef(ASSERTED_GRAPH))
        else:
            view = Dataset(store=backend, default_union=True)
        for prefix, namespace in self.prefixes.items():
            view.bind(prefix, namespace)
        return view

    def asserted(self) -> Graph:
        """The curated triples as a new in-memory rdflib Graph (a copy to edit or export)."""
        return self._copy(self.store.quads_for_pattern(None, None, None, _ASSERTED))

    def inferred(self) -> Graph:
        """The inferred triples alone, as a new in-memory rdflib Graph."""
        return self._copy(self.store.quads_for_pattern(None, None, None, _INFERRED))

    def _copy(self, quads: Any) -> Graph:
        return rdflib_graph((q.triple for q in quads), self.prefixes)

    def serialize(self, fmt: str) -> bytes:
        """The dataset's triples in an RDF format (turtle, nt, xml) by Oxigraph's writers."""
        formats = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "xml": ox.RdfFormat.RDF_XML}
        if fmt not in formats:
            raise ValueError(f"Oxigraph writes turtle, nt and xml; {fmt!r} is written from rdflib")
        return ox.serialize(self._dataset_triples(), format=formats[fmt], prefixes=self.prefixes) or b""


def _say(message: str) -> None:
    import sys

    print(f"tpbc-kg: {message}", file=sys.stderr)


def open_kb(
    location: str | Path | None = None,
    *,
    asserted_only: bool = False,
    say: Callable[[str], None] | None = _say,
) -> KnowledgeBase:
    """The knowledge base of the current sources in location (a store root folder; default: the user's
    cache folder or TPBC_KG_STORE), built first when the sources changed since the last build. A location
    that is one build folder (holding manifest.json) is opened as it is."""
    root = Path(location) if location is not None else default_root()
    if is_build(root):  # a build folder itself (a copy, a benchmark's graph): opened as it is
        store = ox.Store.read_only(str(root / DATA_FOLDER))
        return KnowledgeBase(store, location=root, manifest=Manifest.read(root), asserted_only=asserted_only)
    folder, _ = ensure_built(root, say=say)
    try:
        store = ox.Store.read_only(str(folder / DATA_FOLDER))
        manifest = Manifest.read(folder)
    except (OSError, RuntimeError, ValueError, TypeError) as error:  # corruption: RuntimeError
        aside = set_aside(folder)
        if say is not None:
            say(f"the store in {folder} could not be read ({error}); moved it to {aside.name} and rebuilding")
        folder, _ = ensure_built(root, say=say)
        try:
            store = ox.Store.read_only(str(folder / DATA_FOLDER))
            manifest = Manifest.read(folder)
        except (OSError, RuntimeError, ValueError, TypeError) as again:
            raise StoreError(
                f"store {folder}: cannot be read even after a rebuild ({again}); "
                "delete the folder or give another with --store DIR"
            ) from None
    return KnowledgeBase(store, location=folder, manifest=manifest, asserted_only=asserted_only)


def in_memory(asserted: Graph, inferred: Graph, *, asserted_only: bool = False) -> KnowledgeBase:
    """A knowledge base held in memory (a curator's working copy, a test's fixture graph)."""
    store = ox.Store()
    for graph, name in ((asserted, _ASSERTED), (inferred, _INFERRED)):
        text = graph.serialize(format="nt", encoding="utf-8")
        store.bulk_load(text, format=ox.RdfFormat.N_TRIPLES, to_graph=name)
    return KnowledgeBase(store, asserted_only=asserted_only)
