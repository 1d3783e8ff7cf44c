"""Writing the graph in the formats bioinformaticians load into their own stores.

Exporters are small objects looked up by format name. JSON-LD is compacted with the context shipped in
the package (tpbc_kg/context.jsonld) and embedded in the output, so keys read as words and the file is
self-contained. Files are written atomically: a temporary file in the target folder, then a rename.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph
from rdflib.term import Node

CONTEXT_PATH = Path(__file__).resolve().parent / "context.jsonld"


def stable_blank_nodes(graph: Graph) -> Graph:
    """A copy of graph whose blank nodes have labels computed from where they sit, so two exports of the
    same graph are the same bytes (rdflib gives blank nodes random labels at every parse).

    A blank node's label hashes what hangs below it (its outgoing triples, blank objects by their own
    hashes) and where it hangs (the subject and predicate pointing at it, a blank subject by its label).
    The ontology's blank nodes (restrictions, lists) are trees, so this tells them apart; two that still
    share a label are interchangeable (same content, same place), and numbering them in any order gives
    the same triples."""
    blanks = {t for triple in graph for t in triple if isinstance(t, BNode)}
    if not blanks:
        return graph
    below: dict[Node, str] = {}
    label: dict[Node, str] = {}

    def down(node: Node, path: frozenset[Node] = frozenset()) -> str:
        if node in below:
            return below[node]
        if node in path:
            return "cycle"
        parts = sorted(
            f"{p.n3()} {down(o, path | {node}) if isinstance(o, BNode) else o.n3()}"
            for p, o in graph.predicate_objects(node)
        )
        below[node] = hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()
        return below[node]

    def full(node: Node, path: frozenset[Node] = frozenset()) -> str:
        if node in label:
            return label[node]
        if node in path:
            return down(node)
        parents = sorted(
            f"{full(s, path | {node}) if isinstance(s, BNode) else s.n3()} {p.n3()}"
            for s, p in graph.subject_predicates(node)
        )
        text = down(node) + "\n" + "\n".join(parents)
        label[node] = hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]
        return label[node]

    names: dict[Node, BNode] = {}
    taken: dict[str, int] = {}
    for node in sorted(blanks, key=lambda b: full(b)):
        key = full(node)
        taken[key] = taken.get(key, 0) + 1
        names[node] = BNode(f"b{key}" + (f"x{taken[key]}" if taken[key] > 1 else ""))
    out = Graph()
    for prefix, namespace in graph.namespace_manager.namespaces():
        out.bind(prefix, namespace)
    for triple in graph:
        out.add(tuple(names.get(t, t) for t in triple))  # type: ignore[arg-type]
    return out


def _sorted_json(node: object) -> object:
    """JSON-LD with every value array in a fixed order: arrays are unordered sets in JSON-LD except
    under @list (RDF lists: kept in order), and the context declares no ordered containers."""
    if isinstance(node, dict):
        return {
            key: [_sorted_json(v) for v in value]
            if key == "@list" and isinstance(value, list)
            else _sorted_json(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        items = [_sorted_json(v) for v in node]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return node


@dataclass(frozen=True)
class Exporter:
    name: str
    rdflib_format: str
    suffix: str
    media_type: str

    def serialize(self, graph: Graph) -> str:
        return graph.serialize(format=self.rdflib_format)


class NTriplesExporter(Exporter):
    """One triple a line, lines sorted, blank nodes labelled by position: the same graph gives the same
    bytes (and `diff` between two releases shows only what changed)."""

    def serialize(self, graph: Graph) -> str:
        text = stable_blank_nodes(graph).serialize(format="nt")
        lines = sorted({line for line in text.splitlines() if line.strip()})
        return "\n".join(lines) + "\n" if lines else ""


class JsonLdExporter(Exporter):
    """Compact JSON-LD with the shipped context, written by tpbc_kg.jsonld (a compactor for this simple
    context, in one pass over the triples; tests/test_jsonld.py checks it against rdflib's output)."""

    def serialize(self, graph: Graph) -> str:
        from tpbc_kg.jsonld import graph_to_jsonld

        document = json.loads(graph_to_jsonld(stable_blank_nodes(graph)))
        if isinstance(document, dict) and isinstance(document.get("@graph"), list):
            document = {**document, "@graph": _sorted_json(document["@graph"])}
        return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def rdflib_json_ld(graph: Graph) -> str:
    """rdflib's own compaction with the shipped context: the reference the fast writer is tested against."""
    context = json.loads(CONTEXT_PATH.read_text(encoding="utf-8"))["@context"]
    return graph.serialize(format="json-ld", context=context, indent=1, sort_keys=True)


EXPORTERS: dict[str, Exporter] = {
    "turtle": Exporter("turtle", "turtle", ".ttl", "text/turtle"),
    "json-ld": JsonLdExporter("json-ld", "json-ld", ".jsonld", "application/ld+json"),
    "nt": NTriplesExporter("nt", "nt", ".nt", "application/n-triples"),
    "xml": Exporter("xml", "pretty-xml", ".rdf", "application/rdf+xml"),
}


def exporter(name: str) -> Exporter:
    try:
        return EXPORTERS[name]
    except KeyError:
        raise ValueError(f"unknown export format {name!r}; choose one of {', '.join(EXPORTERS)}") from None


def serialize(graph: Graph, fmt: str) -> str:
    return exporter(fmt).serialize(graph)


def write_atomic(path: Path, text: str) -> None:
    """Write text to path so that readers see the old file or the new one, never half of it; the file
    keeps its mode, a new one gets the umask's (tpbc_kg.atomic)."""
    from tpbc_kg.atomic import write_atomic as _write

    _write(Path(path), text)


def export(graph: Graph, fmt: str, path: Path) -> None:
    from tpbc_kg.progress import progress

    with progress(f"exporting {fmt}", total=2) as advance:
        text = serialize(graph, fmt)
        advance()
        write_atomic(path, text)
        advance()
