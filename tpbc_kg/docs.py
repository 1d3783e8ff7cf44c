"""Static HTML documentation of the ontology: every class and property with its label, definition,
domain and range, mappings, examples taken from the curated graph, and the class hierarchy.

A small Jinja2 generator rather than pyLODE: it runs offline, needs no pinned tool that breaks on newer
Pythons (pyLODE 3.4 does not import on 3.11), writes the same bytes on every run (sorted, no timestamps
beyond the release date) and can show examples from the graph, which pyLODE cannot.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import cast

from jinja2 import Environment, PackageLoader, select_autoescape
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS
from rdflib.term import Identifier, Node

from tpbc_kg.namespace import KG, TPBC

MAX_EXAMPLES = 5
_PROPERTY_KINDS = (
    (OWL.ObjectProperty, "object property"),
    (OWL.DatatypeProperty, "datatype property"),
    (OWL.AnnotationProperty, "annotation property"),
)
_CHARACTERISTICS = (
    OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty,
    OWL.TransitiveProperty,
    OWL.SymmetricProperty,
    OWL.AsymmetricProperty,
    OWL.IrreflexiveProperty,
)


@dataclass
class Term:
    iri: str
    anchor: str
    label: str
    definition: str
    kind: str
    parents: list[tuple[str, str]] = field(default_factory=list)  # (anchor or IRI, label)
    children: list[tuple[str, str]] = field(default_factory=list)
    domain: list[tuple[str, str]] = field(default_factory=list)
    range: list[tuple[str, str]] = field(default_factory=list)
    inverse: list[tuple[str, str]] = field(default_factory=list)
    characteristics: list[str] = field(default_factory=list)
    mappings: list[tuple[str, str]] = field(default_factory=list)  # (predicate, IRI)
    examples: list[str] = field(default_factory=list)
    instances: int = 0


def _local(node: Node) -> str:
    text = str(node)
    return text[len(str(TPBC._NS)) :] if text.startswith(str(TPBC._NS)) else ""


def _label(graph: Graph, node: Node) -> str:
    labels = sorted(
        graph.objects(node, RDFS.label),
        key=lambda lit: (getattr(lit, "language", None) not in ("en", None), str(lit)),
    )
    if labels:
        return str(labels[0])
    return _local(node) or graph.namespace_manager.normalizeUri(cast(Identifier, node))


def _ref(graph: Graph, node: Node) -> tuple[str, str]:
    """A link target (#anchor for our terms, the IRI otherwise) and its text."""
    if isinstance(node, URIRef):
        local = _local(node)
        return (f"#{local}" if local else str(node), _label(graph, node))
    return ("", "(class expression)")


def _definition(graph: Graph, node: Node) -> str:
    for prop in (SKOS.definition, RDFS.comment, DCTERMS.description):
        values = sorted(str(v) for v in graph.objects(node, prop))
        if values:
            return values[0]
    return ""


def _mappings(graph: Graph, node: Node) -> list[tuple[str, str]]:
    out = []
    for prop in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch):
        out += [(graph.namespace_manager.normalizeUri(prop), str(o)) for o in graph.objects(node, prop)]
    return sorted(out)


def _classes(graph: Graph) -> list[Term]:
    classes = sorted(cast(Identifier, c) for c in graph.subjects(RDF.type, OWL.Class) if _local(c))
    members: dict[Node, list[Node]] = defaultdict(list)
    for subject, cls in graph.subject_objects(RDF.type):
        if isinstance(subject, URIRef) and str(subject).startswith(str(KG)):
            members[cls].append(subject)
    terms = []
    for cls in classes:
        instances = sorted(members.get(cls, []), key=lambda n: _label(graph, n).casefold())
        terms.append(
            Term(
                iri=str(cls),
                anchor=_local(cls),
                label=_label(graph, cls),
                definition=_definition(graph, cls),
                kind="class",
                parents=sorted(
                    {_ref(graph, p) for p in graph.objects(cls, RDFS.subClassOf) if isinstance(p, URIRef)}
                ),
                children=sorted({_ref(graph, c) for c in graph.subjects(RDFS.subClassOf, cls) if _local(c)}),
                mappings=_mappings(graph, cls),
                examples=[_label(graph, n) for n in instances[:MAX_EXAMPLES]],
                instances=len(instances),
            )
        )
    return terms


def _example(graph: Graph, s: Node, o: Node) -> str:
    value = _label(graph, o) if isinstance(o, URIRef) else str(o)
    return f"{_label(graph, s)} → {value}"


def _properties(graph: Graph) -> list[Term]:
    terms = []
    seen: set[Node] = set()
    for kind_class, kind in _PROPERTY_KINDS:
        for prop in sorted(cast(Identifier, p) for p in graph.subjects(RDF.type, kind_class) if _local(p)):
            if prop in seen:
                continue
            seen.add(prop)
            uses = sorted(
                ((s, o) for s, o in graph.subject_objects(prop) if str(s).startswith(str(KG))),
                key=lambda pair: (_label(graph, pair[0]).casefold(), str(pair[1])),
            )
            terms.append(
                Term(
                    iri=str(prop),
                    anchor=_local(prop),
                    label=_label(graph, prop),
                    definition=_definition(graph, prop),
                    kind=kind,
                    parents=sorted({_ref(graph, p) for p in graph.objects(prop, RDFS.subPropertyOf)}),
                    domain=sorted({_ref(graph, d) for d in graph.objects(prop, RDFS.domain)}),
                    range=sorted({_ref(graph, r) for r in graph.objects(prop, RDFS.range)}),
                    inverse=sorted(
                        {_ref(graph, i) for i in graph.objects(prop, OWL.inverseOf)}
                        | {_ref(graph, i) for i in graph.subjects(OWL.inverseOf, prop)}
                    ),
                    characteristics=sorted(
                        _label(graph, c).replace("Property", "") or str(c).split("#")[-1]
                        for c in _CHARACTERISTICS
                        if (prop, RDF.type, c) in graph
                    ),
                    mappings=_mappings(graph, prop),
                    examples=[_example(graph, s, o) for s, o in uses[:3]],
                    instances=len(uses),
                )
            )
    return terms


def _tree(graph: Graph, terms: list[Term]) -> list[dict[str, object]]:
    """The class hierarchy as nested dicts (a class under each of its named parents)."""
    by_iri = {t.iri: t for t in terms}
    children: dict[str, list[str]] = defaultdict(list)
    roots = []
    for term in terms:
        parents = [p for p in graph.objects(URIRef(term.iri), RDFS.subClassOf) if str(p) in by_iri]
        if not parents:
            roots.append(term.iri)
        for parent in parents:
            children[str(parent)].append(term.iri)

    def node(iri: str, depth: int) -> dict[str, object]:
        kids = sorted(children.get(iri, []), key=lambda i: by_iri[i].label.casefold()) if depth < 20 else []
        return {"term": by_iri[iri], "children": [node(k, depth + 1) for k in kids]}

    return [node(r, 0) for r in sorted(roots, key=lambda i: by_iri[i].label.casefold())]


def render_html(graph: Graph, version: str, date: dt.date) -> str:
    """The documentation page for the ontology in graph (schema plus curated data for the examples)."""
    env = Environment(
        loader=PackageLoader("tpbc_kg", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    ontology = URIRef("https://w3id.org/tpbc-kg/ontology")
    classes = _classes(graph)
    return env.get_template("ontology.html.j2").render(
        title=str(graph.value(ontology, DCTERMS.title) or "TPBC-KG ontology"),
        description=str(graph.value(ontology, DCTERMS.description) or ""),
        iri=str(ontology),
        version_iri=str(graph.value(ontology, OWL.versionIRI) or ""),
        version=version,
        date=date.isoformat(),
        licence=str(graph.value(ontology, DCTERMS.license) or ""),
        classes=classes,
        properties=_properties(graph),
        tree=_tree(graph, classes),
    )
