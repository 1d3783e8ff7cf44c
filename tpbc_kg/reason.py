"""OWL reasoning over the knowledge graph: HermiT for the verdict, OWL 2 RL (reasonable) for queries.

Two engines read the same axioms of ontology/tpbc.ttl:

* **HermiT** (shipped with owlready2, needs Java) is the reference: a complete OWL 2 DL reasoner that
  says whether the graph is consistent, which classes are unsatisfiable, and what it entails. owlready2
  reads N-Triples, not Turtle, so the merged rdflib graph is serialised to N-Triples and loaded into a
  fresh owlready2 World, leaving out ``owl:imports`` (owlready2 would fetch every imported IRI from the
  web; the graph is already merged) and every annotation assertion: labels, descriptions, notes, and
  the class- or property-valued ``confersResistanceToClass``, ``claimPredicate``,
  ``claimObjectClass`` ... Annotations carry no logical meaning; leaving them out sidesteps owlready2's
  handling of annotation values that are class or property IRIs and halves the input. The reified
  ``tpbc:Statement`` nodes stay: without their annotations they are ordinary individuals with object
  and data property values. The check runs HermiT on owlready2's copy with classification only (about
  4 s on the bundled graph); materialising uses owlready2's ``sync_reasoner_hermit`` with property
  values, which also realises every individual (15-25 s). HermiT only says *that* the graph is
  inconsistent; the sentences that say *why* come from the explainer below, which finds the clashes
  in the OWL 2 RL closure.

* **OWL 2 RL** by `reasonable` plus the rules of queries/rules/ (tpbc_kg.inference; no Java, about a
  second on the bundled graph) computes what queries use and serves as a fast checker
  (``--engine rules``): the clashes visible in its closure - disjoint classes, forbidden values
  (``only (not X)``), owl:Nothing, datatypes, functional properties - are explained here in words,
  each type traced back to what was asserted (a superclass, a domain or range of an asserted edge).
  OWL RL leaves out some of what HermiT concludes (cardinalities, equality through functional
  properties); ``KNOWN_DIFFERENCES`` lists what that changes on the curated graph (a test compares the
  two engines' inferred triples, selected the same way by ``inference.select_inferred``).

OWL is open-world, so two classes come from **closed-world rules** (queries/rules/*.rq, documented
there): chemotherapy-free regimens and dual HER2 blockade regimens. The OWL axiom
``ChemotherapyFreeRegimen ⊑ includesDrug only (not Chemotherapy)`` still catches contradictions.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from tpbc_kg import inference
from tpbc_kg.labels import curie, preferred_label
from tpbc_kg.load import bind_prefixes, load, load_schema, parse_into
from tpbc_kg.namespace import TPBC

Term = Node  # an individual: an IRI or a blank node
Why = tuple[Any, ...]  # ("asserted",), ("subclass", cls), ("domain", prop, value) ...

_BUILTIN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
_BUILTIN_ANNOTATIONS = {
    RDFS.label,
    RDFS.comment,
    RDFS.seeAlso,
    RDFS.isDefinedBy,
    OWL.versionInfo,
    OWL.deprecated,
    OWL.priorVersion,
    OWL.backwardCompatibleWith,
    OWL.incompatibleWith,
}
_INTEGER_TYPES = {
    XSD.integer,
    XSD.int,
    XSD.long,
    XSD.short,
    XSD.byte,
    XSD.nonNegativeInteger,
    XSD.positiveInteger,
    XSD.nonPositiveInteger,
    XSD.negativeInteger,
    XSD.unsignedInt,
    XSD.unsignedLong,
    XSD.unsignedShort,
    XSD.unsignedByte,
}

KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {}
"""(individual CURIE, class or property CURIE) -> why HermiT and the fast path disagree on it.

Empty: on the curated graph the fast path infers exactly HermiT's memberships of the defined classes
and its property assertions. Equality reasoning is where they could part (HermiT merges two values of
a functional property; the rules do not), which is why the list exists; add an entry, with the reason,
when curation introduces such a case."""


class JavaNotFoundError(RuntimeError):
    """No Java runtime for HermiT; the message says how to install one or point to it."""


class ReasonerError(RuntimeError):
    """HermiT failed for a reason other than an inconsistent graph (the message carries Java's)."""


@dataclass(frozen=True)
class Problem:
    """One reason the graph is inconsistent or incoherent, in words, with the nodes it involves."""

    kind: str
    subject: Term
    message: str
    involved: tuple[Node, ...] = ()


@dataclass(frozen=True)
class ReasoningReport:
    """The verdict of one engine on one graph."""

    engine: str
    consistent: bool
    problems: tuple[Problem, ...]
    unsatisfiable: tuple[Problem, ...]
    inferred: Graph | None
    seconds: float
    triples: int

    @property
    def ok(self) -> bool:
        """Consistent and coherent: the condition for exit code 0."""
        return self.consistent and not self.unsatisfiable


# ---------------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------------


def load_graph(files: Sequence[Path] = ()) -> Graph:
    """The ontology and curated graph plus entry files (Turtle, JSON-LD, N-Triples, RDF/XML).

    Entries go through load.parse_into, so a syntax error is an InputError with file and line."""
    graph = load()
    for path in files:
        parse_into(graph, Path(path))
    return graph


def _with_schema(graph: Graph) -> Graph:
    """The graph itself if it carries the TBox; otherwise a copy merged with it (an ABox-only entry)."""
    if (TPBC.Drug, RDF.type, OWL.Class) in graph:
        return graph
    merged = bind_prefixes(Graph())
    for triple in load_schema():
        merged.add(triple)
    for triple in graph:
        merged.add(triple)
    return merged


# ---------------------------------------------------------------------------------------------------
# Class expressions read from the TBox
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Named:
    iri: URIRef


@dataclass(frozen=True)
class And:
    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class Not:
    part: Expr


@dataclass(frozen=True)
class OneOf:
    members: tuple[Node, ...]


@dataclass(frozen=True)
class Some:
    prop: URIRef
    filler: Expr | None  # None: a datatype or any value


@dataclass(frozen=True)
class Only:
    prop: URIRef
    filler: Expr | None


@dataclass(frozen=True)
class HasValue:
    prop: URIRef
    value: Node


@dataclass(frozen=True)
class Unsupported:
    node: Node


Expr = Named | And | Or | Not | OneOf | Some | Only | HasValue | Unsupported


def _is_builtin(node: Node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(_BUILTIN_NAMESPACES)


def parse_expr(graph: Graph, node: Node) -> Expr:
    """A class expression as a small tree; constructs the rules do not use become Unsupported."""
    if isinstance(node, URIRef):
        return Named(node)
    for key, build in ((OWL.intersectionOf, And), (OWL.unionOf, Or)):
        items = graph.value(node, key)
        if items is not None:
            return build(tuple(parse_expr(graph, item) for item in graph.items(items)))
    complement = graph.value(node, OWL.complementOf)
    if complement is not None:
        return Not(parse_expr(graph, complement))
    members = graph.value(node, OWL.oneOf)
    if members is not None:
        return OneOf(tuple(graph.items(members)))
    prop = graph.value(node, OWL.onProperty)
    if isinstance(prop, URIRef):
        return _parse_restriction(graph, node, prop)
    return Unsupported(node)


def _parse_restriction(graph: Graph, node: Node, prop: URIRef) -> Expr:
    value = graph.value(node, OWL.hasValue)
    if value is not None:
        return HasValue(prop, value)
    for key, build in ((OWL.someValuesFrom, Some), (OWL.allValuesFrom, Only)):
        filler = graph.value(node, key)
        if filler is not None:
            datatype = (
                _is_builtin(filler) and filler not in (OWL.Thing, OWL.Nothing)
            ) or filler == RDFS.Literal
            return build(prop, None if datatype else parse_expr(graph, filler))
    return Unsupported(node)


def _conjuncts(expr: Expr) -> Iterator[Expr]:
    if isinstance(expr, And):
        for part in expr.parts:
            yield from _conjuncts(part)
    else:
        yield expr


# ---------------------------------------------------------------------------------------------------
# The schema: what the rules need from the TBox
# ---------------------------------------------------------------------------------------------------


@dataclass
class Schema:
    """The TBox axioms the fast path and the explainer use, indexed for lookups."""

    supers: dict[URIRef, set[URIRef]]
    restrictions: dict[URIRef, list[Expr]]
    definitions: list[tuple[URIRef, Expr]]
    disjoint: set[frozenset[URIRef]]
    object_properties: set[URIRef]
    datatype_properties: set[URIRef]
    annotation_properties: set[URIRef]
    sub_properties: dict[URIRef, set[URIRef]]
    inverses: set[tuple[URIRef, URIRef]]
    symmetric: set[URIRef]
    transitive: set[URIRef]
    functional: set[URIRef]
    chains: list[tuple[URIRef, tuple[URIRef, ...]]]
    domains: dict[URIRef, set[URIRef]]
    ranges: dict[URIRef, set[URIRef]]
    claim_bearing: set[URIRef]

    def supers_of(self, cls: URIRef) -> set[URIRef]:
        return self.supers.get(cls, {cls})


def _closure(edges: dict[URIRef, set[URIRef]]) -> dict[URIRef, set[URIRef]]:
    """Reflexive-transitive closure of a named hierarchy."""
    result: dict[URIRef, set[URIRef]] = {}
    for start in edges:
        seen = {start}
        stack = [start]
        while stack:
            for parent in edges.get(stack.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        result[start] = seen
    return result


def read_schema(graph: Graph) -> Schema:
    """Index the TBox axioms of graph (schema and data may be mixed; only axioms are read)."""
    parents: dict[URIRef, set[URIRef]] = defaultdict(set)
    restrictions: dict[URIRef, list[Expr]] = defaultdict(list)
    definitions: list[tuple[URIRef, Expr]] = []
    for cls in set(graph.subjects(RDF.type, OWL.Class)) | set(graph.subjects(RDFS.subClassOf, None)):
        if isinstance(cls, URIRef):
            parents[cls].add(cls)
    _read_class_axioms(graph, parents, restrictions, definitions)
    return Schema(
        supers=_closure(parents),
        restrictions=dict(restrictions),  # members of subclasses are members of the class itself
        definitions=definitions,
        disjoint=_read_disjointness(graph),
        object_properties=_typed(graph, OWL.ObjectProperty) | _typed(graph, OWL.TransitiveProperty),
        datatype_properties=_typed(graph, OWL.DatatypeProperty),
        annotation_properties=_typed(graph, OWL.AnnotationProperty) | _BUILTIN_ANNOTATIONS,
        sub_properties=_closure(_property_parents(graph)),
        inverses={
            (a, b)
            for a, b in graph.subject_objects(OWL.inverseOf)
            if isinstance(a, URIRef) and isinstance(b, URIRef)
        },
        symmetric=_typed(graph, OWL.SymmetricProperty),
        transitive=_typed(graph, OWL.TransitiveProperty),
        functional=_typed(graph, OWL.FunctionalProperty),
        chains=[
            (prop, tuple(link for link in graph.items(chain) if isinstance(link, URIRef)))
            for prop, chain in graph.subject_objects(OWL.propertyChainAxiom)
            if isinstance(prop, URIRef)
        ],
        domains=_named_objects(graph, RDFS.domain),
        ranges=_named_objects(graph, RDFS.range),
        claim_bearing={p for p in graph.subjects(TPBC.claimBearing, None) if isinstance(p, URIRef)},
    )


def _read_class_axioms(
    graph: Graph,
    parents: dict[URIRef, set[URIRef]],
    restrictions: dict[URIRef, list[Expr]],
    definitions: list[tuple[URIRef, Expr]],
) -> None:
    """Sort subClassOf / equivalentClass axioms into hierarchy, restrictions and definitions."""
    for sub, sup in graph.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef):
            _add_necessary(parents, restrictions, sub, parse_expr(graph, sup))
        elif isinstance(sup, URIRef):  # a general class axiom: expression ⊑ named class
            definitions.append((sup, parse_expr(graph, sub)))
    for left, right in graph.subject_objects(OWL.equivalentClass):
        for named, other in ((left, right), (right, left)):
            if isinstance(named, URIRef):
                expr = parse_expr(graph, other)
                _add_necessary(parents, restrictions, named, expr)
                if not isinstance(expr, Named):
                    definitions.append((named, expr))


def _add_necessary(
    parents: dict[URIRef, set[URIRef]], restrictions: dict[URIRef, list[Expr]], cls: URIRef, expr: Expr
) -> None:
    parents[cls].add(cls)
    for part in _conjuncts(expr):
        if isinstance(part, Named):
            parents[cls].add(part.iri)
            parents[part.iri].add(part.iri)
        elif isinstance(part, Only | HasValue):
            restrictions[cls].append(part)


def _read_disjointness(graph: Graph) -> set[frozenset[URIRef]]:
    pairs = {
        frozenset((a, b))
        for a, b in graph.subject_objects(OWL.disjointWith)
        if isinstance(a, URIRef) and isinstance(b, URIRef)
    }
    for group in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        listed = graph.value(group, OWL.members)
        members = [m for m in graph.items(listed) if isinstance(m, URIRef)] if listed is not None else []
        pairs |= {frozenset((a, b)) for i, a in enumerate(members) for b in members[i + 1 :]}
    return pairs


def _typed(graph: Graph, kind: URIRef) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef)}


def _property_parents(graph: Graph) -> dict[URIRef, set[URIRef]]:
    parents: dict[URIRef, set[URIRef]] = defaultdict(set)
    for sub, sup in graph.subject_objects(RDFS.subPropertyOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            parents[sub].add(sup)
            parents[sup].add(sup)
    return parents


def _named_objects(graph: Graph, predicate: URIRef) -> dict[URIRef, set[URIRef]]:
    found: dict[URIRef, set[URIRef]] = defaultdict(set)
    for prop, cls in graph.subject_objects(predicate):
        if (
            isinstance(prop, URIRef)
            and isinstance(cls, URIRef)
            and cls not in (OWL.Thing, RDFS.Resource)
            and not _is_datatype(cls)
        ):
            found[prop].add(cls)
    return found


def _is_datatype(node: Node) -> bool:
    return isinstance(node, URIRef) and (str(node).startswith(str(XSD)) or node == RDFS.Literal)


# ---------------------------------------------------------------------------------------------------
# Facts: types, edges and values of individuals, with the reason for each derived type
# ---------------------------------------------------------------------------------------------------


@dataclass
class Facts:
    """What is known about the individuals; add_* return True when something new was learnt."""

    schema: Schema
    types: dict[Term, set[URIRef]] = field(default_factory=lambda: defaultdict(set))
    instances: dict[URIRef, set[Term]] = field(default_factory=lambda: defaultdict(set))
    out: dict[URIRef, dict[Node, set[Node]]] = field(default_factory=lambda: defaultdict(dict))
    inn: dict[URIRef, dict[Node, set[Node]]] = field(default_factory=lambda: defaultdict(dict))
    values: dict[URIRef, dict[Term, set[Literal]]] = field(default_factory=lambda: defaultdict(dict))
    why: dict[tuple[Term, URIRef], Why] = field(default_factory=dict)

    @classmethod
    def from_graph(cls, graph: Graph, schema: Schema) -> Facts:
        """The asserted facts of graph, with every type closed under the told class hierarchy."""
        facts = cls(schema)
        for s, p, o in graph:
            if isinstance(s, Literal):
                continue
            if p == RDF.type:
                if isinstance(o, URIRef) and (not _is_builtin(o) or o in (OWL.Thing, OWL.Nothing)):
                    facts.add_type(s, o, ("asserted",))
            elif isinstance(p, URIRef) and p in schema.object_properties and not isinstance(o, Literal):
                facts.add_edge(p, s, o)
            elif isinstance(p, URIRef) and p in schema.datatype_properties and isinstance(o, Literal):
                facts.values[p].setdefault(s, set()).add(o)
        return facts

    def add_type(self, node: Term, cls: URIRef, why: Why) -> bool:
        if cls in self.types[node]:
            return False
        for sup in self.schema.supers_of(cls):
            if sup not in self.types[node]:
                self.types[node].add(sup)
                self.instances[sup].add(node)
                self.why[(node, sup)] = why if sup == cls else ("subclass", cls)
        return True

    def add_edge(self, prop: URIRef, subject: Node, obj: Node) -> bool:
        targets = self.out[prop].setdefault(subject, set())
        if obj in targets:
            return False
        targets.add(obj)
        self.inn[prop].setdefault(obj, set()).add(subject)
        return True

    def pairs(self, prop: URIRef) -> list[tuple[Node, Node]]:
        return [(s, o) for s, objs in self.out.get(prop, {}).items() for o in objs]

    def objects(self, prop: URIRef, subject: Node) -> set[Node]:
        return self.out.get(prop, {}).get(subject, set())

    def has_type(self, node: Node, cls: URIRef) -> bool:
        return cls in self.types.get(node, ())


# ---------------------------------------------------------------------------------------------------
# Why an individual has a type: the reasons explanations cite
# ---------------------------------------------------------------------------------------------------


def _domain_range_rules(facts: Facts) -> bool:
    """Type the subjects and objects of asserted edges by the properties' domains and ranges, noting the
    edge as the reason: the one step of inference a curator's mistake usually goes through ("ERBB2 is
    a drug because a regimen lists it as its drug")."""
    changed = False
    schema = facts.schema
    for prop, classes in schema.domains.items():
        subjects: dict[Node, Any] = dict(
            facts.out.get(prop, {}) if prop in schema.object_properties else facts.values.get(prop, {})
        )
        for subject, objs in subjects.items():
            if isinstance(subject, Literal):
                continue
            example = next(iter(objs))
            for cls in classes:
                changed |= facts.add_type(subject, cls, ("domain", prop, example))
    for prop, classes in schema.ranges.items():
        if prop not in schema.object_properties:
            continue
        for obj, holders in list(facts.inn.get(prop, {}).items()):
            example = next(iter(holders))
            for cls in classes:
                changed |= facts.add_type(obj, cls, ("range", prop, example))
    return changed


def _contains(values: Iterable[Literal], wanted: Literal) -> bool:
    return any(_same_value(value, wanted) for value in values)


def _same_value(a: Literal, b: Literal) -> bool:
    """Value equality that does not let True equal 1 (Python's bool is an int)."""
    if (a.datatype == XSD.boolean) != (b.datatype == XSD.boolean):
        return False
    return bool(a.eq(b))


def explained_facts(graph: Graph, entailed: Iterable[tuple[Node, Node, Node]]) -> Facts:
    """The entailed types and edges as Facts, each type with the reason a person can follow: asserted,
    a superclass of an asserted type, a domain or range of an asserted edge; what only the reasoner
    derives is marked as entailed."""
    schema = read_schema(graph)
    facts = Facts.from_graph(graph, schema)
    _domain_range_rules(facts)
    for s, p, o in entailed:
        if isinstance(s, Literal):
            continue
        if p == RDF.type and isinstance(o, URIRef) and (not _is_builtin(o) or o == OWL.Nothing):
            facts.add_type(s, o, ("entailed",))
        elif isinstance(p, URIRef) and p in schema.object_properties and not isinstance(o, Literal):
            facts.add_edge(p, s, o)
    return facts


# ---------------------------------------------------------------------------------------------------
# Explanations in words
# ---------------------------------------------------------------------------------------------------


class Words:
    """Names for nodes in messages: CURIEs, labels, and 'label (LocalName)' for terms."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._labels: dict[Node, str | None] = {}

    def curie(self, node: Node) -> str:
        if isinstance(node, Literal):
            return node.n3()
        return curie(node) if isinstance(node, URIRef) else "an anonymous node"

    def label(self, node: Node) -> str | None:
        if node not in self._labels:
            self._labels[node] = preferred_label(self.graph.objects(node, RDFS.label))
        return self._labels[node]

    def term(self, node: Node) -> str:
        """A class or property: 'gene (Gene)'; built-ins and unlabelled terms by CURIE."""
        short = self.curie(node)
        short = short.removeprefix("tpbc:")
        label = self.label(node)
        return f"{label} ({short})" if label else short

    def thing(self, node: Node) -> str:
        """An individual: 'docetaxel (kg:drug-docetaxel)', or the CURIE when it has no label."""
        label = self.label(node)
        return f"{label} ({self.curie(node)})" if label else self.curie(node)

    def because(self, facts: Facts, node: Term, cls: URIRef, depth: int = 0) -> str:
        """Why node is a cls: the chain of derivation back to what was asserted."""
        why = facts.why.get((node, cls), ("asserted",))
        kind = why[0]
        if depth > 6:
            return "by a longer chain of inferences"
        if kind == "asserted":
            return f"it is typed {self.term(cls)}"
        if kind == "subclass":
            origin = why[1]
            return f"{self.because(facts, node, origin, depth + 1)}, a kind of {self.term(cls)}"
        if kind == "domain":
            _, prop, value = why
            return (
                f"it has {self.term(prop)} {self.thing(value)}, "
                f"and the ontology reserves that property for {self.term(cls)}"
            )
        if kind == "range":
            _, prop, subject = why
            return (
                f"{self.thing(subject)} has it as {self.term(prop)}, "
                f"whose values the ontology declares to be {self.term(cls)}"
            )
        if kind == "only":
            _, owner, prop, owner_cls = why
            return (
                f"{self.thing(owner)}, a {self.term(owner_cls)}, has it as {self.term(prop)}, "
                f"and allows only {self.term(cls)} there"
            )
        return f"the OWL 2 RL reasoner and the rules of queries/rules/ entail it is {self.term(cls)}"


def find_problems(facts: Facts, words: Words) -> list[Problem]:
    """Every clash the rules can see, each explained in a sentence."""
    found = [
        *_disjoint_problems(facts, words),
        *_forbidden_value_problems(facts, words),
        *_nothing_problems(facts, words),
        *_datatype_problems(facts, words),
        *_functional_problems(facts, words),
    ]
    unique: dict[str, Problem] = {p.message: p for p in found}
    return sorted(unique.values(), key=lambda p: (str(p.subject), p.message))


def _disjoint_problems(facts: Facts, words: Words) -> Iterator[Problem]:
    for pair in facts.schema.disjoint:
        first, second = sorted(pair, key=str)
        both = facts.instances.get(first, set()) & facts.instances.get(second, set())
        for node in sorted(both, key=str):
            yield _disjoint_problem(facts, words, node, first, second)


def _disjoint_problem(facts: Facts, words: Words, node: Term, first: URIRef, second: URIRef) -> Problem:
    asserted = [facts.why.get((node, c), ("asserted",))[0] == "asserted" for c in (first, second)]
    verb = "is typed both" if all(asserted) else "is both"
    message = (
        f"{words.curie(node)} {verb} {words.term(first)} and {words.term(second)}, "
        "which the ontology declares disjoint"
    )
    reasons = [
        f"{words.term(c)}: {words.because(facts, node, c)}"
        for c, told in zip((first, second), asserted, strict=True)
        if not told
    ]
    if reasons:
        message += " (" + "; ".join(reasons) + ")"
    return Problem("disjoint-classes", node, message, (node, first, second))


def _forbidden_value_problems(facts: Facts, words: Words) -> Iterator[Problem]:
    for cls, restrictions in facts.schema.restrictions.items():
        for r in restrictions:
            if not (isinstance(r, Only) and isinstance(r.filler, Not) and isinstance(r.filler.part, Named)):
                continue
            banned = r.filler.part.iri
            for node in sorted(facts.instances.get(cls, ()), key=str):
                for value in sorted(facts.objects(r.prop, node), key=str):
                    if facts.has_type(value, banned):
                        yield _forbidden_value_problem(facts, words, node, cls, r.prop, value, banned)


def _forbidden_value_problem(
    facts: Facts, words: Words, node: Term, cls: URIRef, prop: URIRef, value: Node, banned: URIRef
) -> Problem:
    told = facts.why.get((node, cls), ("asserted",))[0] == "asserted"
    membership = (
        f"is declared {words.term(cls)}"
        if told
        else f"is {words.term(cls)} ({words.because(facts, node, cls)})"
    )
    verb = words.label(prop) or words.curie(prop)
    message = (
        f"{words.curie(node)} {membership}, whose {words.term(prop)} values may not be "
        f"{words.term(banned)}, but it {verb} {words.thing(value)}, which is {words.term(banned)} because "
        f"{words.because(facts, value, banned)}"
    )
    return Problem("forbidden-value", node, message, (node, cls, prop, value, banned))


def _nothing_problems(facts: Facts, words: Words) -> Iterator[Problem]:
    for node in sorted(facts.instances.get(OWL.Nothing, ()), key=str):
        message = f"{words.curie(node)} belongs to owl:Nothing ({words.because(facts, node, OWL.Nothing)})"
        yield Problem("nothing", node, message, (node,))


def _datatype_problems(facts: Facts, words: Words) -> Iterator[Problem]:
    ranges = _datatype_ranges(words.graph)
    for prop in sorted(facts.values, key=str):
        expected = ranges.get(prop)
        for node, values in sorted(facts.values[prop].items(), key=lambda item: str(item[0])):
            for value in sorted(values, key=str):
                fault = _literal_fault(value, expected)
                if fault:
                    message = f"{words.curie(node)} has {words.term(prop)} {value.n3()}, {fault}"
                    yield Problem("datatype", node, message, (node, prop, value))


def _datatype_ranges(graph: Graph) -> dict[URIRef, URIRef]:
    ranges = graph.subject_objects(RDFS.range)
    return {p: r for p, r in ranges if isinstance(p, URIRef) and isinstance(r, URIRef) and _is_datatype(r)}


def _literal_fault(value: Literal, expected: URIRef | None) -> str | None:
    """Why value cannot be a value of a property with range expected, or None if it can."""
    if getattr(value, "ill_typed", False):
        return f"which is not a valid {_short(value.datatype)}; correct the value or its datatype"
    if expected is None or expected == RDFS.Literal:
        return None
    datatype = value.datatype or (RDF.langString if value.language else XSD.string)
    if datatype == RDF.langString:
        if expected == XSD.string:
            return (
                "a language-tagged text, but the ontology declares its values plain strings (xsd:string); "
                "drop the language tag"
            )
        return f"a language-tagged text, but the ontology declares its values {_short(expected)}"
    if _datatype_fits(datatype, value, expected):
        return None
    return f"of type {_short(datatype)}, but the ontology declares its values {_short(expected)}"


def _datatype_fits(datatype: URIRef, value: Literal, expected: URIRef) -> bool:
    if datatype == expected:
        return True
    numeric = _INTEGER_TYPES | {XSD.decimal}
    if expected == XSD.decimal:
        return datatype in numeric
    if expected == XSD.integer and datatype in numeric:
        return datatype in _INTEGER_TYPES or float(value.value) == int(value.value)
    return expected not in numeric | {XSD.string, XSD.boolean}  # other datatypes: not judged here


def _short(datatype: URIRef | None) -> str:
    return "xsd:" + str(datatype)[len(str(XSD)) :] if str(datatype).startswith(str(XSD)) else str(datatype)


def _functional_problems(facts: Facts, words: Words) -> Iterator[Problem]:
    for prop in sorted(facts.schema.functional, key=str):
        if prop in facts.schema.datatype_properties:
            yield from _functional_value_problems(facts, words, prop)
        else:
            yield from _functional_object_problems(facts, words, prop)


def _functional_value_problems(facts: Facts, words: Words, prop: URIRef) -> Iterator[Problem]:
    for node, values in sorted(facts.values.get(prop, {}).items(), key=lambda item: str(item[0])):
        distinct: list[Literal] = []
        for value in sorted(values, key=str):
            if not _contains(distinct, value):
                distinct.append(value)
        if len(distinct) > 1:
            shown = " and ".join(v.n3() for v in distinct)
            message = (
                f"{words.curie(node)} has {len(distinct)} values for {words.term(prop)} ({shown}), "
                "but the property allows one"
            )
            yield Problem("functional", node, message, (node, prop, *distinct))


def _functional_object_problems(facts: Facts, words: Words, prop: URIRef) -> Iterator[Problem]:
    for node, objs in sorted(facts.out.get(prop, {}).items(), key=lambda item: str(item[0])):
        ordered = sorted(objs, key=str)
        for i, first in enumerate(ordered):
            for second in ordered[i + 1 :]:
                clash = _disjoint_pair(facts, first, second)
                if clash:
                    message = (
                        f"{words.curie(node)} has two values for {words.term(prop)}, {words.thing(first)} "
                        f"and {words.thing(second)}; the property allows one, so they would be one thing, "
                        f"but one is {words.term(clash[0])} and the other {words.term(clash[1])}, "
                        "which the ontology declares disjoint"
                    )
                    yield Problem("functional", node, message, (node, prop, first, second))


def _disjoint_pair(facts: Facts, first: Node, second: Node) -> tuple[URIRef, URIRef] | None:
    for pair in facts.schema.disjoint:
        a, b = sorted(pair, key=str)
        if (facts.has_type(first, a) and facts.has_type(second, b)) or (
            facts.has_type(first, b) and facts.has_type(second, a)
        ):
            return (a, b) if facts.has_type(first, a) else (b, a)
    return None


def unsatisfiable_classes(schema: Schema, words: Words) -> list[Problem]:
    """Named classes that are declared a kind of two disjoint classes, so nothing can belong to them."""
    found = []
    for cls in sorted(schema.supers, key=str):
        for pair in sorted(schema.disjoint, key=lambda p: sorted(map(str, p))):
            if pair <= schema.supers_of(cls):
                a, b = sorted(pair, key=str)
                message = (
                    f"{words.curie(cls)} is declared a kind of both {words.term(a)} and {words.term(b)}, "
                    "which the ontology declares disjoint, so nothing can belong to it"
                )
                found.append(Problem("unsatisfiable-class", cls, message, (cls, a, b)))
                break
    return found


# ---------------------------------------------------------------------------------------------------
# OWL 2 RL (reasonable) and the rules of queries/rules/, as a checker and as the source of inferences
# ---------------------------------------------------------------------------------------------------


def inferred_graph(graph: Graph) -> Graph:
    """ONLY the new triples graph entails (tpbc_kg.inference), for queries to use beside it; an ABox alone
    is reasoned with the schema."""
    return inference.infer(_with_schema(graph))


def check_rules(graph: Graph) -> ReasoningReport:
    """OWL 2 RL (reasonable) plus the rules as a checker: the clashes visible in the closure, explained,
    without Java (HermiT, complete for OWL 2 DL, may find more)."""
    start = time.perf_counter()
    graph = _with_schema(graph)
    entailed = inference.closure(graph)
    words = Words(graph)
    problems = tuple(find_problems(explained_facts(graph, entailed), words))
    return ReasoningReport(
        engine="OWL 2 RL (reasonable) and rules",
        consistent=not problems,
        problems=problems,
        unsatisfiable=tuple(unsatisfiable_classes(read_schema(graph), words)),
        inferred=inference.select_inferred(graph, entailed),
        seconds=time.perf_counter() - start,
        triples=len(graph),
    )


# ---------------------------------------------------------------------------------------------------
# HermiT through owlready2
# ---------------------------------------------------------------------------------------------------

_JAVA_HELP = (
    "install a Java runtime, 8 or newer (Debian/Ubuntu: sudo apt-get install default-jre-headless; "
    "macOS: brew install openjdk; others: https://adoptium.net), then put `java` on PATH or set JAVA_HOME "
    "to its folder. Without Java, `tpbc-kg reason --engine rules` checks the graph with the built-in rules."
)


def find_java(environ: dict[str, str] | None = None) -> str:
    """The java executable for HermiT: JAVA_HOME/bin/java if JAVA_HOME is set, else java on PATH."""
    env = dict(os.environ) if environ is None else environ
    executable = "java.exe" if sys.platform.startswith("win") else "java"
    home = env.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / executable
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
        raise JavaNotFoundError(
            f"JAVA_HOME is {home}, but {candidate} is not an executable Java; point JAVA_HOME at a Java "
            f"installation or unset it to use java from PATH. To get Java: {_JAVA_HELP}"
        )
    found = shutil.which(executable, path=env.get("PATH", ""))
    if found:
        return found
    raise JavaNotFoundError(
        f"HermiT needs Java, and none was found (JAVA_HOME unset, no java on PATH): {_JAVA_HELP}"
    )


def owlready_input(graph: Graph) -> bytes:
    """The graph as N-Triples for owlready2, without owl:imports and annotation assertions."""
    annotations = read_schema(graph).annotation_properties
    kept = Graph()
    for s, p, o in graph:
        if p == OWL.imports or p in annotations:
            continue
        kept.add((s, p, o))
    return kept.serialize(format="nt", encoding="utf-8")


@dataclass(frozen=True)
class HermitOutput:
    """What HermiT concluded: inferred is None when the graph is inconsistent."""

    inferred: Graph | None
    unsatisfiable: tuple[URIRef, ...]
    seconds: float


def _owlready_world(graph: Graph) -> Any:
    """A fresh owlready2 World holding the graph (see owlready_input for what is left out)."""
    import owlready2  # imported here: slow to import, and only the HermiT engine needs it

    world = owlready2.World()
    world.get_ontology("https://w3id.org/tpbc-kg/reasoning-input").load(
        fileobj=io.BytesIO(owlready_input(graph)), format="ntriples"
    )
    return world


def run_hermit(graph: Graph, java: str | None = None) -> HermitOutput:
    """Consistency and unsatisfiable classes: HermiT classifies owlready2's copy of the graph.

    HermiT is called with -c only (about 4 s on the bundled graph): owlready2's sync_reasoner also
    realises every individual (-I), which takes three to four times as long and is needed only to
    materialise (see materialize_hermit)."""
    from owlready2 import reasoning

    java = java or find_java()
    world = _owlready_world(graph)
    with tempfile.TemporaryDirectory(prefix="tpbc-hermit-") as folder:
        path = Path(folder) / "input.nt"
        world.save(str(path), format="ntriples")
        world.close()
        command = [java, f"-Xmx{reasoning.JAVA_MEMORY}M", "-cp", reasoning._HERMIT_CLASSPATH]
        command += ["org.semanticweb.HermiT.cli.CommandLine", "-c", path.as_uri()]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
    if done.returncode != 0:
        if "Inconsistent ontology" in done.stdout + done.stderr:
            return HermitOutput(None, (), seconds)
        raise ReasonerError(
            f"HermiT could not process the graph: {(done.stderr or done.stdout).strip()[:2000]}"
        )
    return HermitOutput(Graph(), _unsatisfiable_in(done.stdout), seconds)


def _unsatisfiable_in(output: str) -> tuple[URIRef, ...]:
    found = set()
    for line in output.splitlines():
        if line.startswith("EquivalentClasses(") and str(OWL.Nothing) in line:
            found |= {URIRef(iri) for iri in re.findall(r"<([^>]+)>", line) if iri != str(OWL.Nothing)}
    return tuple(sorted(found))


def materialize_hermit(graph: Graph, java: str | None = None) -> HermitOutput:
    """Everything HermiT entails about the individuals (types and object property values).

    Runs owlready2's sync_reasoner_hermit with property values (about 15-20 s on the bundled graph)."""
    import owlready2

    owlready2.JAVA_EXE = java or find_java()
    world = _owlready_world(graph)
    start = time.perf_counter()
    try:
        owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
        inferred = _world_inferences(world)
    except owlready2.OwlReadyInconsistentOntologyError:
        return HermitOutput(None, (), time.perf_counter() - start)
    except owlready2.OwlReadyJavaError as error:
        raise ReasonerError(f"HermiT could not process the graph: {str(error).strip()[:2000]}") from None
    finally:
        world.close()
    unsat = tuple(
        sorted(s for s in inferred.subjects(OWL.equivalentClass, OWL.Nothing) if isinstance(s, URIRef))
    )
    return HermitOutput(inferred, unsat, time.perf_counter() - start)


def _world_inferences(world: Any) -> Graph:
    """The triples owlready2 stored in its inference ontology, as an rdflib Graph of IRIs."""
    inferences = world.get_ontology("http://inferrences/")
    result = Graph()
    for s, p, o in inferences.get_triples(None, None, None):
        if not (isinstance(o, int) and s > 0 and o > 0):
            continue
        subject, predicate, obj = (URIRef(world._unabbreviate(x)) for x in (s, p, o))
        if predicate != RDF.type or obj != OWL.Ontology:
            result.add((subject, predicate, obj))
    return result


def check_hermit(graph: Graph, java: str | None = None, materialize: bool = False) -> ReasoningReport:
    """HermiT's verdict on graph, explained in words; materialize also collects the new triples."""
    graph = _with_schema(graph)
    output = materialize_hermit(graph, java) if materialize else run_hermit(graph, java)
    words = Words(graph)
    if output.inferred is None:
        explained = find_problems(explained_facts(graph, inference.closure(graph)), words)
        problems = tuple(explained) or (_unexplained(),)
        return ReasoningReport("HermiT", False, problems, (), None, output.seconds, len(graph))
    schema = read_schema(graph)
    unsat = tuple(_explain_unsatisfiable(cls, schema, words) for cls in output.unsatisfiable)
    inferred = None
    if materialize:
        inferred = inference.select_inferred(graph, hermit_entailed(graph, output.inferred))
    return ReasoningReport("HermiT", True, (), unsat, inferred, output.seconds, len(graph))


def hermit_entailed(graph: Graph, hermit: Graph) -> set[tuple[Node, Node, Node]]:
    """The asserted triples, HermiT's conclusions, the inverse values owlready2 drops when the other
    direction is asserted, and the closed-world rules' conclusions on all of them: HermiT's counterpart
    of inference.closure, selected the same way for comparison."""
    entailed = set(graph) | set(hermit)
    pairs = [
        (a, b)
        for a, b in graph.subject_objects(OWL.inverseOf)
        if isinstance(a, URIRef) and isinstance(b, URIRef)
    ]
    for a, b in pairs:
        for forward, backward in ((a, b), (b, a)):
            entailed |= {(o, backward, s) for s, p, o in list(entailed) if p == forward}
    schema = read_schema(graph)  # owlready2 reports the most specific types: close them upwards
    entailed |= {
        (s, RDF.type, sup)
        for s, p, o in list(entailed)
        if p == RDF.type and isinstance(o, URIRef)
        for sup in schema.supers_of(o)
    }
    return entailed | inference.apply_rules(entailed)


def _unexplained() -> Problem:
    return Problem(
        "unexplained",
        OWL.Nothing,
        "HermiT finds the graph inconsistent, but the clash is outside the patterns this explainer "
        "recognises (disjoint classes, forbidden values, datatypes, functional properties); check the "
        "new entry's types, ranges and restrictions",
    )


def _explain_unsatisfiable(cls: URIRef, schema: Schema, words: Words) -> Problem:
    for problem in unsatisfiable_classes(schema, words):
        if problem.subject == cls:
            return problem
    message = (
        f"{words.curie(cls)} can have no members, HermiT finds; the cause involves restrictions "
        "beyond declared disjoint superclasses: review its subClassOf and equivalentClass axioms"
    )
    return Problem("unsatisfiable-class", cls, message, (cls,))


# ---------------------------------------------------------------------------------------------------
# Report text
# ---------------------------------------------------------------------------------------------------


def render_report(report: ReasoningReport) -> str:
    """The verdict and its explanations as plain text, one problem per paragraph."""
    verdict = "consistent" if report.consistent else "INCONSISTENT"
    lines = [f"{report.engine}: the graph ({report.triples} triples) is {verdict} ({report.seconds:.1f} s)."]
    if report.problems:
        lines.append(f"{len(report.problems)} problem(s):")
        lines += [f"  - {p.message}." for p in report.problems]
    if report.unsatisfiable:
        lines.append(f"{len(report.unsatisfiable)} unsatisfiable class(es):")
        lines += [f"  - {p.message}." for p in report.unsatisfiable]
    elif report.consistent:
        lines.append("No unsatisfiable classes.")
    return "\n".join(lines) + "\n"
