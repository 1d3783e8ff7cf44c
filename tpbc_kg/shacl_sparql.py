"""SHACL-SPARQL on Oxigraph: the SPARQL-based targets and constraints of the shapes, run outside pyshacl.

pyshacl evaluates SPARQL targets and constraints with rdflib's SPARQL engine, re-parsing each query for
every run and scanning the whole graph for SPARQL targets even when only a few focus nodes are asked
for; on our graph that is where nearly all validation time goes. Here each SPARQL constraint is run on
an Oxigraph store with its target nodes bound to $this (in VALUES batches; see `_solutions`), and its
solutions become ordinary SHACL results (focus node, path, value, message, severity, source shape and
sh:SPARQLConstraintComponent). pyshacl keeps every core constraint: the shapes graph is split in two
(`split`). Tests check that the split gives the same results as pyshacl alone on the whole bundled
graph and on a sample of the fixtures; benchmarks/equivalence.py checks every fixture.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from tpbc_kg.terms import OxTerm, solutions, to_oxigraph, to_rdflib

SH = Namespace("http://www.w3.org/ns/shacl#")
_TEMPLATE = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class SparqlConstraint:
    shape: Node
    constraint: Node
    query: str
    messages: tuple[Literal, ...]
    severity: Node


@dataclass(frozen=True)
class SparqlTarget:
    shape: Node
    query: str


@dataclass(frozen=True)
class SplitShapes:
    """The shapes graph without SPARQL targets and constraints (for pyshacl), and those taken out."""

    core: Graph
    constraints: tuple[SparqlConstraint, ...]
    targets: tuple[SparqlTarget, ...]  # SPARQL targets of shapes that keep core constraints


def _prefix_lines(shapes: Graph, node: Node) -> str:
    lines = []
    for declarations in shapes.objects(node, SH.prefixes):
        for declaration in shapes.objects(declarations, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines)))


def _with_prefixes(shapes: Graph, node: Node, text: str) -> str:
    prefixes = _prefix_lines(shapes, node)
    return f"{prefixes}\n{text}" if prefixes else text


def split(shapes: Graph) -> SplitShapes:
    """Take the SPARQL targets and constraints out of the shapes graph."""
    core = Graph()
    for prefix, namespace in shapes.namespace_manager.namespaces():
        core.bind(prefix, namespace)
    sparql_targets = set(shapes.subjects(RDF.type, SH.SPARQLTarget))
    constraints = []
    for shape, constraint in shapes.subject_objects(SH.sparql):
        if (shape, SH.path, None) in shapes:
            raise ValueError(f"{shape}: SPARQL constraints on property shapes are not supported")
        if shapes.value(constraint, SH.deactivated) == Literal(True):
            continue
        severity = shapes.value(constraint, SH.severity) or shapes.value(shape, SH.severity) or SH.Violation
        messages = cast(
            tuple[Literal, ...],
            tuple(shapes.objects(constraint, SH.message)) or tuple(shapes.objects(shape, SH.message)),
        )
        select = str(shapes.value(constraint, SH.select))
        constraints.append(
            SparqlConstraint(
                shape, constraint, _with_prefixes(shapes, constraint, select), messages, severity
            )
        )
    targets = []
    for shape, target in shapes.subject_objects(SH.target):
        if target in sparql_targets:
            select = str(shapes.value(target, SH.select))
            targets.append(SparqlTarget(shape, _with_prefixes(shapes, target, select)))
    for triple in shapes:
        _, predicate, obj = triple
        if predicate == SH.sparql or (predicate == SH.target and obj in sparql_targets):
            continue
        core.add(triple)
    return SplitShapes(core, tuple(constraints), tuple(targets))


def _ox(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    return to_oxigraph(node)


def ox_named_node(node: Node) -> ox.NamedNode:
    """The Oxigraph term for a property IRI (a predicate position takes only a named node)."""
    term = to_oxigraph(node)
    if not isinstance(term, ox.NamedNode):
        raise TypeError(f"not a property IRI: {node!r}")
    return term


def bound_term(term: OxTerm | None) -> Node:
    """The rdflib term of a bound variable or a quad position (never None there)."""
    node = to_rdflib(term)
    if node is None:
        raise TypeError("expected a bound term")
    return node


def target_nodes(
    store: ox.Store, shapes: Graph, shape: Node, sparql_targets: Iterable[SparqlTarget]
) -> set[Node]:
    """The focus nodes a shape targets in the store (class, subjects-of, objects-of, node, SPARQL)."""
    nodes: set[Node] = set()
    for cls in shapes.objects(shape, SH.targetClass):
        query = (
            "SELECT DISTINCT ?this ?c WHERE { ?this a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?c }"
        )
        nodes |= {
            bound_term(s["this"])
            for s in solutions(store.query(query, substitutions={ox.Variable("c"): _ox(cls)}))
        }
    if (shape, RDF.type, RDFS.Class) in shapes:
        query = (
            "SELECT DISTINCT ?this ?c WHERE { ?this a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?c }"
        )
        nodes |= {
            bound_term(s["this"])
            for s in solutions(store.query(query, substitutions={ox.Variable("c"): _ox(shape)}))
        }
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        nodes |= {bound_term(q.subject) for q in store.quads_for_pattern(None, ox_named_node(prop), None)}
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        nodes |= {bound_term(q.object) for q in store.quads_for_pattern(None, ox_named_node(prop), None)}
    nodes |= set(shapes.objects(shape, SH.targetNode))
    for target in sparql_targets:
        if target.shape == shape:
            nodes |= {bound_term(s["this"]) for s in solutions(store.query(target.query))}
    return nodes


def _message(template: Literal, solution: ox.QuerySolution, focus: Node, names: Graph) -> Literal:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        term = focus if name == "this" else to_rdflib(solution[name]) if solution[name] is not None else None
        if term is None:
            return match.group(0)
        return term.n3(names.namespace_manager) if isinstance(term, URIRef) else str(term)

    return Literal(_TEMPLATE.sub(value, str(template)), lang=template.language)


def run_constraints(
    store: ox.Store,
    split_shapes: SplitShapes,
    shapes: Graph,
    report: Graph,
    focus: set[Node] | None = None,
) -> int:
    """Evaluate every SPARQL constraint on its target nodes (restricted to focus, if given) and add the
    results to the report graph in the W3C vocabulary. Returns the number of results added."""
    from tpbc_kg.progress import progress

    with progress("SPARQL constraints", total=len(split_shapes.constraints), unit="rule") as advance:
        added = 0
        for constraint in split_shapes.constraints:
            added += _run_constraint(store, constraint, split_shapes, shapes, report, focus)
            advance()
    return added


def _run_constraint(
    store: ox.Store,
    constraint: SparqlConstraint,
    split_shapes: SplitShapes,
    shapes: Graph,
    report: Graph,
    focus: set[Node] | None,
) -> int:
    nodes = target_nodes(store, shapes, constraint.shape, split_shapes.targets)
    if focus is not None:
        nodes &= focus
    added = 0
    for node, solution in _solutions(store, constraint, nodes):
        _add_result(report, constraint, node, solution, shapes)
        added += 1
    return added


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_BATCH = 2000


def _solutions(
    store: ox.Store, constraint: SparqlConstraint, nodes: set[Node]
) -> Iterable[tuple[Node, ox.QuerySolution]]:
    """(focus node, solution) for every violation. Named nodes are bound in batches through a VALUES block
    at the head of the WHERE group: one query per 2,000 nodes instead of one per node (on a 100k-triple
    graph, seconds instead of minutes, because Oxigraph plans a query with a constant $this poorly).
    That equals SHACL's pre-binding for queries that use $this in triple patterns and top-level filters,
    which ours do (the fixtures and the whole-graph comparison with pyshacl check it). Blank nodes cannot
    be listed in VALUES and are substituted one by one, as is a query that does not project $this."""
    named = sorted((n for n in nodes if not isinstance(n, BNode)), key=str)
    one_by_one: list[Node] = sorted((n for n in nodes if isinstance(n, BNode)), key=str)
    match = _WHERE.search(constraint.query)
    if match is None:
        one_by_one, named = sorted(nodes, key=str), []
    for start in range(0, len(named), _BATCH):
        assert match is not None  # named is emptied above when there is no WHERE group
        chunk = named[start : start + _BATCH]
        values = " ".join(node.n3() for node in chunk)
        text = (
            f"{constraint.query[: match.end()]} VALUES ?this {{ {values} }} {constraint.query[match.end() :]}"
        )
        answer = solutions(store.query(text))
        if "this" not in {v.value for v in answer.variables}:
            one_by_one.extend(chunk)
            continue
        for solution in answer:
            yield bound_term(solution["this"]), solution
    for node in one_by_one:
        query = store.query(constraint.query, substitutions={ox.Variable("this"): _ox(node)})
        for solution in solutions(query):
            yield node, solution


def _add_result(
    report: Graph, constraint: SparqlConstraint, node: Node, solution: ox.QuerySolution, shapes: Graph
) -> None:
    result = BNode()
    report.add((result, RDF.type, SH.ValidationResult))
    report.add((result, SH.focusNode, node))
    report.add((result, SH.resultSeverity, constraint.severity))
    report.add((result, SH.sourceShape, constraint.shape))
    report.add((result, SH.sourceConstraint, constraint.constraint))
    report.add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
    for name, predicate in (("path", SH.resultPath), ("value", SH.value)):
        bound = solution[name]  # None when the query does not bind (or project) it
        if bound is not None:
            report.add((result, predicate, bound_term(bound)))
    for template in constraint.messages:
        report.add((result, SH.resultMessage, _message(template, solution, node, shapes)))
