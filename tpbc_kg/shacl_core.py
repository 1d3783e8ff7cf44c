"""SHACL core constraints as SPARQL on Oxigraph: whole-graph validation in seconds, not minutes.

pyshacl evaluates the core constraints (class, datatype, min/maxCount, in, pattern, hasValue, nodeKind,
ranges, uniqueLang, and node-level or/not) in Python, focus node by focus node, over an rdflib graph: 29 s
at 100k triples and well over 300 s at a million, plus 30 s to parse the graph into rdflib. Here each
(shape, constraint) becomes ONE SPARQL query over the whole store that returns only the violating
(focus node, value) pairs; the targets (class with subclasses, subjects-of, objects-of, listed nodes,
SPARQL targets) are joined into the same query, so Oxigraph does the work in its indexes.

The results go into a W3C validation report graph (focus node, path, value, severity, source shape,
constraint component, message), the same vocabulary pyshacl writes, so `validate._results` reads both.
pyshacl stays the reference: tests/test_shacl_core.py compares the two on the bundled graph and a sample
of fixtures, and benchmarks/equivalence.py on every fixture and on a generated 100k graph, on (focus
node, path, constraint component, severity).

A constraint this module does not translate is reported by `untranslated()`, never silently skipped;
the shapes of this project have none (a test checks it), and `validate` falls back to pyshacl otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import cast

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from tpbc_kg.shacl_sparql import SplitShapes, bound_term, target_nodes
from tpbc_kg.terms import solutions, to_rdflib

SH = Namespace("http://www.w3.org/ns/shacl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SUBCLASS = f"<{RDFS.subClassOf}>"
# Datatypes whose lexical forms SPARQL casts check (an ill-typed "abc"^^xsd:integer fails the cast).
CASTABLE = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.boolean, XSD.dateTime, XSD.date}
HANDLED = {
    SH["class"],
    SH.datatype,
    SH.minCount,
    SH.maxCount,
    SH["in"],
    SH.pattern,
    SH.flags,
    SH.hasValue,
    SH.nodeKind,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
    SH.uniqueLang,
    SH["or"],
    SH["not"],
    SH.property,
    SH.path,
    SH.message,
    SH.severity,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.target,
    SH.sparql,
    SH.prefixes,
    SH.name,
    SH.description,
    SH.deactivated,
    SH.order,
    SH.group,
    SH.declare,
}
COMPONENT = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
}
_RANGE = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
_NODE_KIND: dict[Node, str] = {
    SH.IRI: "isIRI(?value)",
    SH.Literal: "isLiteral(?value)",
    SH.BlankNode: "isBlank(?value)",
    SH.BlankNodeOrIRI: "!isLiteral(?value)",
    SH.BlankNodeOrLiteral: "!isIRI(?value)",
    SH.IRIOrLiteral: "!isBlank(?value)",
}


class Untranslatable(ValueError):
    """A shape feature this module does not turn into SPARQL (the caller then uses pyshacl)."""


def _integer(node: Node) -> int:
    """int() of a count parameter: a literal, which rdflib types as Node when read from the graph."""
    return int(cast(Literal, node))


def _n3(node: Node) -> str:
    if isinstance(node, BNode):
        raise Untranslatable("a blank node as a constraint value")
    if isinstance(node, Literal):
        return node.n3()
    return f"<{node}>"


def sparql_path(shapes: Graph, path: Node) -> str:
    """A SHACL property path as a SPARQL property path."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in shapes:
        return "(" + "/".join(sparql_path(shapes, step) for step in Collection(shapes, path)) + ")"
    for key, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = shapes.value(path, key)
        if inner is not None:
            return f"({sparql_path(shapes, inner)}){mark}"
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return f"^({sparql_path(shapes, inverse)})"
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(sparql_path(shapes, step) for step in Collection(shapes, alternatives)) + ")"
    raise Untranslatable(f"property path {path}")


@dataclass(frozen=True)
class Check:
    """One constraint of one shape as a query: its SELECT returns ?this (and ?value where one exists)
    for every violation."""

    shape: Node
    component: URIRef
    query: str
    path: Node | None
    severity: URIRef
    messages: tuple[Literal, ...]


def _targets(shapes: Graph, shape: Node, split: SplitShapes, store: ox.Store) -> list[str]:
    """SPARQL groups that bind ?this to the shape's focus nodes (one group per target declaration)."""
    groups = []
    classes = list(shapes.objects(shape, SH.targetClass))
    if (shape, RDF.type, RDFS.Class) in shapes:
        classes.append(shape)
    if classes:
        below = set().union(*(subclasses(store, c) for c in classes))
        listed = " ".join(_n3(c) for c in sorted(below, key=str))
        groups.append(f"{{ SELECT DISTINCT ?this WHERE {{ VALUES ?class {{ {listed} }} ?this a ?class }} }}")
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        groups.append(f"{{ SELECT DISTINCT ?this WHERE {{ ?this {_n3(prop)} ?any }} }}")
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        groups.append(f"{{ SELECT DISTINCT ?this WHERE {{ ?any {_n3(prop)} ?this }} }}")
    listed_nodes = set(shapes.objects(shape, SH.targetNode))
    if any(target.shape == shape for target in split.targets):
        listed_nodes |= target_nodes(store, Graph(), shape, [t for t in split.targets if t.shape == shape])
    if listed_nodes:
        named = [n for n in listed_nodes if not isinstance(n, BNode)]
        if len(named) != len(listed_nodes):
            raise Untranslatable(f"{shape}: a blank node as a target node")
        groups.append("{ VALUES ?this { " + " ".join(_n3(n) for n in sorted(named, key=str)) + " } }")
    return groups


_SUBCLASSES: dict[tuple[int, Node], frozenset[Node]] = {}


def subclasses(store: ox.Store, cls: Node) -> frozenset[Node]:
    """cls and every class below it in the store (rdfs:subClassOf*), read once per store and class: a
    VALUES list of them lets Oxigraph look types up in its index instead of walking the hierarchy again
    for every value."""
    key = (id(store), cls)
    if key not in _SUBCLASSES:
        query = f"SELECT DISTINCT ?c WHERE {{ ?c {SUBCLASS}* {_n3(cls)} }}"
        _SUBCLASSES[key] = frozenset({cls} | {bound_term(s["c"]) for s in solutions(store.query(query))})
    return _SUBCLASSES[key]


def _focus(groups: list[str]) -> str:
    if len(groups) == 1:
        return groups[0]
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(groups) + " } }"


def _values(path: str | None) -> str:
    return f"?this {path} ?value ." if path else "BIND(?this AS ?value)"


def _value_checks(
    shapes: Graph, shape: Node, focus: str, path: str | None, store: ox.Store
) -> Iterator[tuple[URIRef, str]]:
    """(component, SELECT of the violations) for each value-level constraint of the shape."""
    values = _values(path)
    head = "SELECT DISTINCT ?this ?value WHERE {"
    for cls in shapes.objects(shape, SH["class"]):
        listed = " ".join(_n3(c) for c in sorted(subclasses(store, cls), key=str))
        yield (
            COMPONENT[SH["class"]],
            (
                f"{head} {focus} {values} "
                f"FILTER NOT EXISTS {{ VALUES ?type {{ {listed} }} ?value a ?type }} }}"
            ),
        )
    for datatype in shapes.objects(shape, SH.datatype):
        if datatype == XSD.string:
            ok = '(isLiteral(?value) && DATATYPE(?value) = xsd:string && LANG(?value) = "")'
        else:
            ok = f"(isLiteral(?value) && DATATYPE(?value) = {_n3(datatype)})"
        if datatype in CASTABLE:
            cast = f"<{datatype}>(STR(?value))"
            ok += f" && COALESCE(sameTerm({cast}, ?value) || {cast} = ?value, false)"
        query = f"{head} {focus} {values} FILTER(!({ok})) }}"
        yield COMPONENT[SH.datatype], "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n" + query
    for in_list in shapes.objects(shape, SH["in"]):
        members = list(Collection(shapes, in_list))
        same = " || ".join(f"sameTerm(?value, {_n3(m)})" for m in members) or "false"
        yield COMPONENT[SH["in"]], f"{head} {focus} {values} FILTER(!({same})) }}"
    for pattern in shapes.objects(shape, SH.pattern):
        flags = shapes.value(shape, SH.flags)
        arguments = json.dumps(str(pattern)) + (f", {json.dumps(str(flags))}" if flags else "")
        yield (
            COMPONENT[SH.pattern],
            (f"{head} {focus} {values} FILTER(isBlank(?value) || !REGEX(STR(?value), {arguments})) }}"),
        )
    for kind in shapes.objects(shape, SH.nodeKind):
        if kind not in _NODE_KIND:
            raise Untranslatable(f"{shape}: sh:nodeKind {kind}")
        yield COMPONENT[SH.nodeKind], f"{head} {focus} {values} FILTER(!({_NODE_KIND[kind]})) }}"
    for key, operator in _RANGE.items():
        for bound in shapes.objects(shape, key):
            yield (
                COMPONENT[key],
                (f"{head} {focus} {values} FILTER(!COALESCE(?value {operator} {_n3(bound)}, false)) }}"),
            )


def _count_checks(shapes: Graph, shape: Node, focus: str, path: str) -> Iterator[tuple[URIRef, str]]:
    for minimum in shapes.objects(shape, SH.minCount):
        n = _integer(minimum)
        if n == 1:
            query = f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} ?value }} }}"
        else:
            query = (
                f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?value }} }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})"
            )
        if n > 0:
            yield COMPONENT[SH.minCount], query
    for maximum in shapes.objects(shape, SH.maxCount):
        yield (
            COMPONENT[SH.maxCount],
            (
                f"SELECT ?this WHERE {{ {focus} ?this {path} ?value }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {_integer(maximum)})"
            ),
        )
    for value in shapes.objects(shape, SH.hasValue):
        yield (
            COMPONENT[SH.hasValue],
            (f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} {_n3(value)} }} }}"),
        )
    if shapes.value(shape, SH.uniqueLang) == Literal(True):
        yield (
            COMPONENT[SH.uniqueLang],
            (
                f"SELECT DISTINCT ?this WHERE {{ {focus} ?this {path} ?a , ?b . "
                'FILTER(!sameTerm(?a, ?b) && LANG(?a) != "" && LCASE(LANG(?a)) = LCASE(LANG(?b))) }'
            ),
        )


def conforms_expression(shapes: Graph, shape: Node) -> str:
    """A SPARQL expression, true where ?this conforms to a nested shape (the members of sh:or / sh:not):
    property shapes with sh:minCount, sh:maxCount and sh:hasValue, which is all this project nests."""
    path_node = shapes.value(shape, SH.path)
    if path_node is None:
        raise Untranslatable(f"{shape}: a nested node shape")
    path = sparql_path(shapes, path_node)
    parts = []
    for p, o in shapes.predicate_objects(shape):
        if p in (SH.path, RDF.type, RDFS.comment, RDFS.label, SH.message, SH.name, SH.description):
            continue
        if p == SH.minCount:
            n = _integer(o)
            if n == 1:
                parts.append(f"EXISTS {{ ?this {path} ?v }}")
            elif n > 1:
                raise Untranslatable(f"{shape}: nested sh:minCount {n}")
        elif p == SH.maxCount:
            if _integer(o) != 1:
                raise Untranslatable(f"{shape}: nested sh:maxCount {o}")
            parts.append(f"NOT EXISTS {{ ?this {path} ?v1 , ?v2 FILTER(!sameTerm(?v1, ?v2)) }}")
        elif p == SH.hasValue:
            parts.append(f"EXISTS {{ ?this {path} {_n3(o)} }}")
        else:
            raise Untranslatable(f"{shape}: nested {p}")
    return "(" + (" && ".join(parts) or "true") + ")"


def _node_checks(shapes: Graph, shape: Node, focus: str) -> Iterator[tuple[URIRef, str]]:
    for members in shapes.objects(shape, SH["or"]):
        alternatives = " || ".join(conforms_expression(shapes, m) for m in Collection(shapes, members))
        yield COMPONENT[SH["or"]], f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER(!({alternatives})) }}"
    for negated in shapes.objects(shape, SH["not"]):
        yield (
            COMPONENT[SH["not"]],
            (f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER({conforms_expression(shapes, negated)}) }}"),
        )


def _unknown_parameters(shapes: Graph, shape: Node) -> list[Node]:
    return [p for p in set(shapes.predicates(shape)) if str(p).startswith(str(SH)) and p not in HANDLED]


def checks(shapes: Graph, split: SplitShapes, store: ox.Store) -> list[Check]:
    """Every core constraint of every targeted shape, as queries (Untranslatable if one cannot be)."""
    out: list[Check] = []
    targeted = {
        s
        for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
        for s in shapes.subjects(p, None)
    } | set(shapes.subjects(RDF.type, RDFS.Class)) & (
        set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    )
    for shape in sorted(targeted, key=str):
        if shapes.value(shape, SH.deactivated) == Literal(True):
            continue
        groups = _targets(shapes, shape, split, store)
        if not groups:
            continue
        focus = _focus(groups)
        members = [(shape, focus)] + [(p, focus) for p in shapes.objects(shape, SH.property)]
        for member, member_focus in members:
            if member != shape and shapes.value(member, SH.deactivated) == Literal(True):
                continue
            unknown = _unknown_parameters(shapes, member)
            if unknown:
                raise Untranslatable(f"{member}: {', '.join(map(str, unknown))}")
            severity = shapes.value(member, SH.severity) or SH.Violation
            messages = tuple(shapes.objects(member, SH.message))
            path_node = shapes.value(member, SH.path)
            path = sparql_path(shapes, path_node) if path_node is not None else None
            found = list(_value_checks(shapes, member, member_focus, path, store))
            if path is not None:
                found += list(_count_checks(shapes, member, member_focus, path))
            else:
                found += list(_node_checks(shapes, member, member_focus))
            for component, query in found:
                out.append(Check(member, component, query, path_node, severity, messages))  # type: ignore[arg-type]
    return out


def untranslated(shapes: Graph, split: SplitShapes, store: ox.Store) -> str | None:
    """Why the shapes cannot all run here (None when they can)."""
    try:
        checks(shapes, split, store)
    except Untranslatable as error:
        return str(error)
    return None


def _copy_path(report: Graph, shapes: Graph, path: Node) -> None:
    """A blank-node path (inverse, sequence ...) is copied into the report, where renderers read it."""
    if isinstance(path, BNode):
        for triple in shapes.triples((path, None, None)):
            report.add(triple)
            _copy_path(report, shapes, triple[2])


def run(store: ox.Store, shapes: Graph, split: SplitShapes, report: Graph) -> int:
    """Evaluate every core constraint on the whole store and add the results to report (W3C vocabulary).
    Returns the number of results added."""
    from tpbc_kg.progress import progress

    found = checks(shapes, split, store)
    added = 0
    with progress("core constraints (Oxigraph)", total=len(found), unit="rule") as advance:
        for check in found:
            for focus, value in _violations(store, check):
                _add(report, shapes, check, focus, value)
                added += 1
            advance()
    return added


def _violations(store: ox.Store, check: Check) -> Iterable[tuple[Node, Node | None]]:
    answer = solutions(store.query(check.query))
    names = {v.value for v in answer.variables}
    for solution in answer:
        value = to_rdflib(solution["value"]) if "value" in names and solution["value"] is not None else None
        yield bound_term(solution["this"]), value


def _add(report: Graph, shapes: Graph, check: Check, focus: Node, value: Node | None) -> None:
    result = BNode()
    report.add((result, RDF.type, SH.ValidationResult))
    report.add((result, SH.focusNode, focus))
    report.add((result, SH.resultSeverity, check.severity))
    report.add((result, SH.sourceShape, check.shape))
    report.add((result, SH.sourceConstraintComponent, check.component))
    if check.path is not None:
        report.add((result, SH.resultPath, check.path))
        _copy_path(report, shapes, check.path)
    if value is not None and check.component not in (SH.OrConstraintComponent, SH.NotConstraintComponent):
        report.add((result, SH.value, value))
    for message in check.messages:
        report.add((result, SH.resultMessage, message))
