"""Compact JSON-LD with the shipped context, written straight from the triples.

rdflib's JSON-LD serialiser compacts a graph with a general JSON-LD algorithm in Python: 20 s for a
million triples. The context shipped in the package (tpbc_kg/context.jsonld) is simple (prefixes, plain
terms, terms with an `@type` coercion of `@id` or a datatype; no `@vocab`, `@base`, `@language` or
containers), so compaction reduces to choosing, for each (predicate, object), the term whose coercion
fits the object, or the predicate's CURIE when none does. That is what this module does, in one pass over
the triples grouped by subject, from either an rdflib Graph or an Oxigraph store (which hands its triples
out without building rdflib terms).

The document has the same shape as rdflib's: `{"@context": ..., "@graph": [node, ...]}`, nodes sorted by
`@id`, keys sorted, one value as a scalar and several as a list. tests/test_jsonld.py checks that it
parses back to the same graph as rdflib's output (isomorphic) on the bundled graph and a generated one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

CONTEXT_PATH = Path(__file__).resolve().parent / "context.jsonld"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_UNSUPPORTED = ("@vocab", "@base", "@language", "@version", "@direction", "@propagate", "@import")

# An object, as the compactor sees it: ("iri", value) | ("bnode", label) | ("literal", text, datatype, lang)
Term = tuple[str, ...]


@dataclass(frozen=True)
class Context:
    """The parts of a JSON-LD context compaction needs: prefixes, and each term's IRI and coercion."""

    document: Mapping[str, Any]
    prefixes: tuple[tuple[str, str], ...]  # (prefix, namespace), longest namespace first
    vocab_terms: Mapping[str, str] = field(default_factory=dict)  # IRI -> term without coercion
    typed_terms: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (IRI, coercion) -> term

    @classmethod
    def of(cls, document: Mapping[str, Any]) -> Context:
        """Read a context; ValueError for a feature this compactor does not implement (rdflib is then
        the right tool: see export.py)."""
        unsupported = [key for key in _UNSUPPORTED if key in document]
        if unsupported:
            raise ValueError(f"context uses {unsupported}; the fast compactor does not handle it")
        prefixes: dict[str, str] = {}
        definitions: dict[str, tuple[str, str | None]] = {}
        for key, value in document.items():
            if isinstance(value, str) and value.endswith(("#", "/", ":")) and "://" in value:
                prefixes[key] = value
            elif isinstance(value, str):
                definitions[key] = (value, None)
            elif isinstance(value, dict):
                extra = set(value) - {"@id", "@type"}
                if extra:
                    raise ValueError(f"context term {key!r} uses {sorted(extra)}; not handled here")
                definitions[key] = (value["@id"], value.get("@type"))
        ordered = tuple(sorted(prefixes.items(), key=lambda item: (-len(item[1]), item[0])))
        context = cls(document, ordered)
        vocab: dict[str, str] = {}
        typed: dict[tuple[str, str], str] = {}
        for term, (iri, coercion) in sorted(definitions.items()):
            full = context.expand(iri)
            if coercion is None:
                vocab.setdefault(full, term)
            else:
                kind = coercion if coercion.startswith("@") else context.expand(coercion)
                typed.setdefault((full, kind), term)
        return cls(document, ordered, vocab, typed)

    def expand(self, value: str) -> str:
        prefix, colon, rest = value.partition(":")
        if colon and not rest.startswith("//"):
            for name, namespace in self.prefixes:
                if name == prefix:
                    return namespace + rest
        return value

    def curie(self, iri: str) -> str:
        """The IRI as prefix:local with the longest matching namespace (an @id value), else the IRI."""
        cut = max(iri.rfind("#"), iri.rfind("/")) + 1  # every namespace of ours ends in # or /
        namespace = self._by_namespace.get(iri[:cut])
        if namespace is not None and cut < len(iri):
            return f"{namespace}:{iri[cut:]}"
        return self._curie_slow(iri)

    @cached_property
    def _by_namespace(self) -> dict[str, str]:
        return {namespace: prefix for prefix, namespace in reversed(self.prefixes)}

    def _curie_slow(self, iri: str) -> str:
        for prefix, namespace in self.prefixes:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace) :]}"
        return iri

    def vocab(self, iri: str) -> str:
        """The IRI as a term when one is defined without coercion (type names), else as a CURIE."""
        return self.vocab_terms.get(iri) or self.curie(iri)


@cache
def shipped_context() -> Context:
    return Context.of(json.loads(CONTEXT_PATH.read_text(encoding="utf-8"))["@context"])


def _node_id(context: Context, term: Term) -> str:
    return f"_:{term[1]}" if term[0] == "bnode" else context.curie(term[1])


def _expanded_value(context: Context, term: Term) -> Any:
    kind = term[0]
    if kind != "literal":
        return {"@id": _node_id(context, term)}
    _, text, datatype, lang = term
    if lang:
        return {"@language": lang, "@value": text}
    if not datatype or datatype == XSD_STRING:
        return text
    return {"@type": context.curie(datatype), "@value": text}


def _key_and_value(context: Context, predicate: str, term: Term) -> tuple[str, Any]:
    """The key (a term whose coercion fits the object, or the predicate's CURIE) and the value."""
    kind = term[0]
    if kind == "literal":
        _, text, datatype, lang = term
        if not lang and datatype and datatype not in (XSD_STRING, RDF_LANG_STRING):
            key = context.typed_terms.get((predicate, datatype))
            if key is not None:
                return key, text
    else:
        key = context.typed_terms.get((predicate, "@id"))
        if key is not None:
            return key, _node_id(context, term)
    # no term whose coercion fits: a term without coercion, else the CURIE (never a coerced term, whose
    # coercion would change the value)
    key = context.vocab_terms.get(predicate) or context.curie(predicate)
    return key, _expanded_value(context, term)


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def compact(triples: Iterable[tuple[Term, str, Term]], context: Context | None = None) -> dict[str, Any]:
    """The compact JSON-LD document of the triples: (subject, predicate IRI, object), terms as above."""
    context = context or shipped_context()
    nodes: dict[str, dict[str, list[Any]]] = {}
    for subject, predicate, obj in triples:
        node = nodes.setdefault(_node_id(context, subject), {})
        if predicate == RDF_TYPE and obj[0] != "literal":
            node.setdefault("@type", []).append(
                context.vocab(obj[1]) if obj[0] == "iri" else _node_id(context, obj)
            )
            continue
        key, value = _key_and_value(context, predicate, obj)
        node.setdefault(key, []).append(value)
    graph = []
    for node_id in sorted(nodes):
        out: dict[str, Any] = {"@id": node_id}
        for key, values in nodes[node_id].items():
            if len(values) == 1:
                out[key] = values[0]
            else:  # distinct triples give distinct values; sorted, so the output is deterministic
                out[key] = sorted(values, key=_sort_key)
        graph.append(out)
    return {"@context": dict(context.document), "@graph": graph}


def dumps(document: Mapping[str, Any]) -> str:
    """The context indented, then one node per line with sorted keys: diffs between releases show the
    nodes that changed, and Python's C encoder writes it (with indent=, json falls back to pure Python,
    which is most of the time for a million triples)."""
    head = json.dumps({"@context": document["@context"]}, indent=1, sort_keys=True, ensure_ascii=False)
    nodes = ",\n".join(json.dumps(node, sort_keys=True, ensure_ascii=False) for node in document["@graph"])
    return f'{head[:-2]},\n "@graph": [\n{nodes}\n ]\n}}\n'


# --- sources of triples ---------------------------------------------------------------------------------


def rdflib_triples(graph: Any) -> Iterator[tuple[Term, str, Term]]:
    """The triples of an rdflib Graph, as the compactor's tuples."""
    from rdflib import BNode, Literal

    def term(node: Any) -> Term:
        if isinstance(node, Literal):
            datatype = str(node.datatype) if node.datatype is not None else ""
            return ("literal", str(node), datatype, node.language or "")
        if isinstance(node, BNode):
            return ("bnode", str(node))
        return ("iri", str(node))

    for s, p, o in graph:
        yield term(s), str(p), term(o)


def oxigraph_triples(store: Any) -> Iterator[tuple[Term, str, Term]]:
    """The default-graph triples of a pyoxigraph Store, as the compactor's tuples (no rdflib terms)."""
    import pyoxigraph as ox

    def term(node: Any) -> Term:
        if isinstance(node, ox.Literal):
            return ("literal", node.value, node.datatype.value, node.language or "")
        if isinstance(node, ox.BlankNode):
            return ("bnode", node.value)
        return ("iri", node.value)

    for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        yield term(quad.subject), quad.predicate.value, term(quad.object)


def graph_to_jsonld(graph: Any) -> str:
    return dumps(compact(rdflib_triples(graph)))


def store_to_jsonld(store: Any) -> str:
    return dumps(compact(oxigraph_triples(store)))
