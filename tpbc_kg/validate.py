"""SHACL validation of the bundled graph and of curators' entry files, with results a person can act on.

An entry is validated in the context of the bundled graph, so its links to existing genes, drugs and
references resolve, but only the entry's own nodes are focus nodes: a curator sees the problems of the
file at hand, each with the file and line where the offending node is written. pyshacl is the engine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox
import pyshacl
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from tpbc_kg import entry_checks, shacl_core, shacl_sparql, terms
from tpbc_kg.api import bundled_graph
from tpbc_kg.load import InputError, bind_prefixes, guess_format, parse_into
from tpbc_kg.paths import shapes_dir
from tpbc_kg.progress import progress
from tpbc_kg.store import MemoryStore, OxigraphStore, to_oxigraph, to_store

SH = Namespace("http://www.w3.org/ns/shacl#")
CHECKS_NS = Namespace("https://w3id.org/tpbc-kg/checks#")
"""The rules of tpbc_kg.entry_checks, as they appear in reports (checks:UnknownClass ...)."""
KG_PREFIX = "https://w3id.org/tpbc-kg/id/"
_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class SourceLocation:
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, in words."""

    severity: str  # Violation, Warning or Info
    focus: str  # CURIE or IRI of the focus node
    focus_label: str
    path: str | None  # the property path, as CURIEs (^p for an inverse path)
    value: str | None
    message: str
    shape: str
    component: str
    location: SourceLocation | None = None


@dataclass
class ValidationReport:
    results: list[ValidationResult]
    report_graph: Graph = field(repr=False)
    focus_count: int | None = None  # None: the whole graph was validated

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]

    def conforms(self, strict: bool = False) -> bool:
        return not self.violations and not (strict and self.warnings)


@cache
def shapes_graph() -> Graph:
    """All shapes in shapes/*.ttl, parsed once per process."""
    graph = bind_prefixes(Graph())
    files = sorted(shapes_dir().glob("*.ttl"))
    if not files:
        raise FileNotFoundError(f"no SHACL shapes found in {shapes_dir()}")
    for path in files:
        parse_into(graph, path)
    return graph


@cache
def split_shapes() -> shacl_sparql.SplitShapes:
    return shacl_sparql.split(shapes_graph())


_TRANSLATED: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Any] = {}
"""SPARQL text (with base and prefixes) -> rdflib's translated query; the texts come from the shapes."""


@contextmanager
def remembered_sparql_translations() -> Iterator[None]:
    """While the block runs, rdflib parses each distinct SPARQL text once. pyshacl hands rdflib every
    SHACL-SPARQL constraint and target as text, once per focus node, and rdflib parses it afresh each time
    (pyparsing, about 25 ms a query): that parsing, not the evaluation, was most of pure pyshacl's 50 s on
    the bundled graph. A translated query is what rdflib's own prepareQuery hands out for reuse with other
    bindings, so evaluation is unchanged."""
    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query
    translated = _TRANSLATED

    def query(
        self: Any,
        text: Any,
        bindings: Any = None,
        namespaces: Any = None,
        base: Any = None,
        debug: bool = False,
    ) -> Any:
        if isinstance(text, str):
            key = (text, base, tuple(sorted((k, str(v)) for k, v in (namespaces or {}).items())))
            if key not in translated:
                translated[key] = processor.translateQuery(processor.parseQuery(text), base, namespaces)
            text = translated[key]
        return original(self, text, bindings, namespaces, base, debug)

    # A monkeypatch of rdflib's method, which mypy does not model: the replacement forwards every argument.
    processor.SPARQLProcessor.query = query  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original  # type: ignore[method-assign]


def _pyshacl(data: Graph, shapes: Graph, focus: Sequence[URIRef] | None) -> Graph:
    with remembered_sparql_translations():
        return _run_pyshacl(data, shapes, focus)


def _run_pyshacl(data: Graph, shapes: Graph, focus: Sequence[URIRef] | None) -> Graph:
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
        inplace=True,  # no inference is asked for, so pyshacl need not clone the data graph
        focus_nodes=list(focus) if focus is not None else None,
    )
    return report


def run_engine(
    data: Graph, focus: Sequence[URIRef] | None, engine: str = "hybrid", store: ox.Store | None = None
) -> Graph:
    """The W3C validation report for data. engine "pyshacl" runs every shape in pyshacl (the reference);
    "hybrid" (the default) runs the core constraints in pyshacl and the SPARQL-based ones on Oxigraph
    (store, when given, must already hold exactly data's triples: it saves copying a large graph)."""
    if engine == "pyshacl":
        return _pyshacl(data, shapes_graph(), focus)
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; use {', '.join(ENGINES)}")
    parts = split_shapes()
    store = store if store is not None else to_store(data)
    whole = focus is None
    if engine == "oxigraph" and whole and shacl_core.untranslated(shapes_graph(), parts, store) is None:
        return oxigraph_report(store)
    targeted = Graph()  # shapes with a SPARQL target and core constraints: hand pyshacl their nodes
    for target in parts.targets:
        for node in shacl_sparql.target_nodes(store, shapes_graph(), target.shape, [target]):
            targeted.add((target.shape, SH.targetNode, node))
    with overlaid(parts.core, targeted) as core, progress("core constraints (pyshacl)", total=1) as advance:
        report = _pyshacl(data, core, focus)
        advance()
    added = shacl_sparql.run_constraints(
        store, parts, shapes_graph(), report, set(focus) if focus is not None else None
    )
    if added:
        violated = any(
            (r, SH.resultSeverity, SH.Violation) in report
            for r in report.subjects(RDF.type, SH.ValidationResult)
        )
        for node in list(report.subjects(RDF.type, SH.ValidationReport)):
            report.set((node, SH.conforms, Literal(not violated)))
    return report


ENGINES = ("oxigraph", "hybrid", "pyshacl")
"""oxigraph: every constraint as SPARQL on Oxigraph (whole-graph validation; entries use hybrid);
hybrid: core constraints in pyshacl, SPARQL constraints on Oxigraph; pyshacl: the reference."""


def oxigraph_report(store: ox.Store) -> Graph:
    """The W3C validation report of the whole store, every constraint run as SPARQL on Oxigraph (the
    core ones by shacl_core, the SPARQL-based ones by shacl_sparql): no rdflib copy of the graph."""
    parts = split_shapes()
    report = Graph()
    node = BNode()
    report.add((node, RDF.type, SH.ValidationReport))
    shacl_core.run(store, shapes_graph(), parts, report)
    shacl_sparql.run_constraints(store, parts, shapes_graph(), report, None)
    for result in list(report.subjects(RDF.type, SH.ValidationResult)):
        report.add((node, SH.result, result))
    violated = any(
        (r, SH.resultSeverity, SH.Violation) in report for r in report.subjects(RDF.type, SH.ValidationResult)
    )
    report.add((node, SH.conforms, Literal(not violated)))
    return report


def validate_store(store: OxigraphStore, module_files: Iterable[Path] = ()) -> ValidationReport:
    """Validate a whole Oxigraph store (a persistent --store folder holding millions of triples) without
    reading it into rdflib; only the labels of the nodes with results are read, for the report."""
    report = oxigraph_report(store.store)
    labels = bind_prefixes(Graph())
    label = shacl_sparql.ox_named_node(RDFS.label)
    for focus in set(report.objects(None, SH.focusNode)):
        if isinstance(focus, URIRef):
            subject = shacl_sparql.ox_named_node(focus)
            for quad in store.store.quads_for_pattern(subject, label, None, ox.DefaultGraph()):
                labels.add((focus, RDFS.label, shacl_sparql.bound_term(quad.object)))
    return ValidationReport(_results(report, labels, SourceLocator.of(module_files)), report)


def _render_path(graph: Graph, path: Node | None) -> str | None:
    if path is None:
        return None
    if isinstance(path, URIRef):
        return graph.namespace_manager.normalizeUri(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + (_render_path(graph, inverse) or "?")
    if (path, RDF.first, None) in graph:
        return "/".join(_render_path(graph, step) or "?" for step in graph.items(path))
    for key, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, key)
        if inner is not None:
            return f"({_render_path(graph, inner)}){mark}"
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_render_path(graph, step) or "?" for step in graph.items(alternatives))
    return str(path)


def _term_text(graph: Graph, node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, Literal):
        return str(node)
    if isinstance(node, URIRef):
        return graph.namespace_manager.normalizeUri(node)
    return "(blank node)"


def _results(
    report: Graph, data: Graph, locator: SourceLocator, placed: dict[Node, SourceLocation] | None = None
) -> list[ValidationResult]:
    names = bind_prefixes(Graph())
    for graph in (names, report):
        bind_prefixes(graph)
        graph.bind("tpbcsh", "https://w3id.org/tpbc-kg/shapes#")
        graph.bind("checks", CHECKS_NS)
        graph.bind("sh", SH)
    out = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        severity = report.value(result, SH.resultSeverity)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        label = data.value(focus, RDFS.label) if focus is not None else None
        out.append(
            ValidationResult(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus=_term_text(names, focus) or "?",
                focus_label=str(label) if label is not None else (_term_text(names, focus) or "?"),
                path=_render_path(report, report.value(result, SH.resultPath)),
                value=_term_text(names, report.value(result, SH.value)),
                message=" ".join(messages) or "constraint not met",
                shape=_term_text(names, report.value(result, SH.sourceShape)) or "?",
                component=_term_text(names, report.value(result, SH.sourceConstraintComponent)) or "?",
                location=(placed or {}).get(result)
                or (locator.locate(focus) if isinstance(focus, URIRef) else None),
            )
        )
    return sorted(
        out,
        key=lambda r: (
            _SEVERITY_ORDER.get(r.severity, 3),
            (r.location.path, r.location.line) if r.location else ("", 0),
            r.focus,
            r.shape,
        ),
    )


# --- where a node is written ---------------------------------------------------------------------------

_PREFIX = re.compile(r"@prefix\s+([A-Za-z][\w.-]*|)\s*:\s*<([^>]*)>", re.IGNORECASE)
_SPARQL_PREFIX = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*|)\s*:\s*<([^>]*)>", re.IGNORECASE)
_TTL_SUBJECT = re.compile(r"^(<[^>]+>|[A-Za-z][\w.-]*:[^\s;,]*|:[^\s;,]+)")
_JSON_ID = re.compile(r'"@id"\s*:\s*"([^"]+)"')
_XML_ABOUT = re.compile(r'rdf:about\s*=\s*"([^"]+)"')
_JSON_CONTEXT_PREFIXES = {"kg": "https://w3id.org/tpbc-kg/id/", "tpbc": "https://w3id.org/tpbc-kg/ontology#"}


@dataclass
class SourceLocator:
    """Finds the first line where a node is written as a subject, in the given files."""

    index: dict[URIRef, SourceLocation] = field(default_factory=dict)

    @classmethod
    def of(cls, files: Iterable[Path], display: dict[Path, str] | None = None) -> SourceLocator:
        locator = cls()
        for path in files:
            locator._scan(path, (display or {}).get(path, str(path)))
        return locator

    def locate(self, node: URIRef) -> SourceLocation | None:
        return self.index.get(node)

    def _scan(self, path: Path, shown: str) -> None:
        text = path.read_text(encoding="utf-8", errors="replace")
        suffix = path.suffix.lower()
        if suffix in {".jsonld", ".json"}:
            self._scan_json(text, shown)
        elif suffix in {".rdf", ".owl", ".xml"}:
            self._scan_xml(text, shown)
        else:
            self._scan_turtle(text, shown)

    def _remember(self, iri: str, shown: str, line: int) -> None:
        self.index.setdefault(URIRef(iri), SourceLocation(shown, line))

    def _scan_turtle(self, text: str, shown: str) -> None:
        prefixes: dict[str, str] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            declared = _PREFIX.search(line) or _SPARQL_PREFIX.search(line)
            if declared:
                prefixes[declared.group(1)] = declared.group(2)
                continue
            match = _TTL_SUBJECT.match(line)
            if not match:
                continue
            token = match.group(1)
            if any(c.isspace() or c in '"{}|^`' for c in token[1:-1]):
                continue  # not an IRI (an XML declaration, a broken line): rdflib would warn about it
            if token.startswith("<"):
                self._remember(token[1:-1], shown, number)
            else:
                prefix, _, local = token.partition(":")
                if prefix in prefixes:
                    self._remember(prefixes[prefix] + local.replace("\\", ""), shown, number)

    def _scan_xml(self, text: str, shown: str) -> None:
        for number, line in enumerate(text.splitlines(), start=1):
            for match in _XML_ABOUT.finditer(line):
                self._remember(match.group(1), shown, number)

    def _scan_json(self, text: str, shown: str) -> None:
        for number, line in enumerate(text.splitlines(), start=1):
            for match in _JSON_ID.finditer(line):
                value = match.group(1)
                prefix, _, local = value.partition(":")
                iri = _JSON_CONTEXT_PREFIXES[prefix] + local if prefix in _JSON_CONTEXT_PREFIXES else value
                self._remember(iri, shown, number)


# --- entry points -----------------------------------------------------------------------------------------


def validate_graph(
    graph: Graph | None = None, module_files: Iterable[Path] = (), engine: str = "oxigraph"
) -> ValidationReport:
    """Validate a whole graph (by default the bundled one): the release check."""
    from tpbc_kg.load import curated_files

    data = graph if graph is not None else bundled_graph()
    files = list(module_files) or curated_files()
    report = run_engine(data, None, engine)
    curated = Graph()
    for triple in data:
        if _is_curated(triple[0]):
            curated.add(triple)
    problems = entry_checks.run_all(curated, data, base_lookup(data).same_value)
    locator = SourceLocator.of(files)
    added = add_problems(report, problems)
    return ValidationReport(_results(report, data, locator, place_problems(added, locator, files)), report)


def read_entries(files: Sequence[Path], fmt: str | None = None) -> Graph:
    """Parse entry files into one graph; every unreadable file is an InputError with a position."""
    entry = bind_prefixes(Graph())
    for path in files:
        guess_format(path, fmt)
        one = _parse_as_written(path, fmt)
        if not len(one):
            raise InputError(
                path,
                "the entry holds no triples (the file is empty, or has only prefixes and comments); "
                "start from a template in examples/ and describe at least one node",
            )
        for triple in one:
            entry.add(triple)
    return entry


def _parse_as_written(path: Path, fmt: str | None) -> Graph:
    """The file's triples, with well-typed literals in rdflib's usual normal form (so "01"^^xsd:integer
    is the 1 already in the graph) and ill-typed ones exactly as written: rdflib would turn
    "maybe"^^xsd:boolean into "false", and the report must quote what the curator wrote."""
    import rdflib

    saved = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        raw = parse_into(bind_prefixes(Graph()), path, fmt)
    finally:
        rdflib.NORMALIZE_LITERALS = saved
    graph = bind_prefixes(Graph())
    for subject, predicate, obj in raw:
        if isinstance(obj, Literal) and not obj.ill_typed:
            obj = Literal(str(obj), lang=obj.language, datatype=obj.datatype)
        graph.add((subject, predicate, obj))
    return graph


def entry_focus_nodes(entry: Graph) -> list[URIRef]:
    return sorted({s for s in entry.subjects() if isinstance(s, URIRef)}, key=str)


def validate_entries(
    files: Sequence[Path],
    fmt: str | None = None,
    base: Graph | OxigraphStore | MemoryStore | None = None,
    engine: str = "hybrid",
) -> ValidationReport:
    """Validate curator entry files in the context of the bundled graph, or of base (any rdflib Graph,
    or an Oxigraph store such as a persistent --store folder holding a much larger graph)."""
    entry = read_entries(files, fmt)
    return validate_entry_graph(entry, files, base, engine, checks=True)


@contextmanager
def overlaid(base: Graph, entry: Graph) -> Iterator[Graph]:
    """base with the entry's triples added for the duration of the block, then taken out again.
    Cheaper than copying a large graph; base is restored even if the block fails."""
    added = [t for t in entry if t not in base]
    for triple in added:
        base.add(triple)
    try:
        yield base
    finally:
        for triple in added:
            base.remove(triple)


def _is_curated(node: Node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(KG_PREFIX)


Triple = tuple[Node, Node, Node]
Pattern = tuple[Node | None, Node | None, Node | None]


class BaseLookup(Protocol):
    """What the neighbourhood reads from the (large, unchanging) base graph, whatever holds it."""

    def triples(self, pattern: Pattern) -> Iterator[Triple]: ...

    def schema(self) -> list[Triple]:
        """Every triple whose subject is not a curated individual: TBox, mappings, ontology headers."""
        ...

    def same_label(self, keys: set[str]) -> list[tuple[Node, Node]]:
        """(node, label) for every label whose casefolded text is one of keys."""
        ...

    def same_value(self, predicate: Node, value: Literal) -> list[Node]:
        """The curated subjects carrying this literal value on this property."""
        ...


@dataclass
class GraphLookup:
    """An rdflib base graph, with the label and value indexes built once (one pass over the graph)."""

    graph: Graph
    _schema: list[Triple] = field(default_factory=list)
    labels: dict[str, list[tuple[Node, Node]]] = field(default_factory=dict)
    literals: dict[tuple[Node, Node], list[Node]] = field(default_factory=dict)

    @classmethod
    def of(cls, graph: Graph) -> GraphLookup:
        cached = _LOOKUPS.get(id(graph))
        if cached is not None and cached[0] == len(graph):
            return cached[1]
        lookup = cls(graph)
        for node, label in graph.subject_objects(RDFS.label):
            lookup.labels.setdefault(str(label).casefold(), []).append((node, label))
        for subject, predicate, obj in graph:
            if not _is_curated(subject):
                lookup._schema.append((subject, predicate, obj))
            elif isinstance(obj, Literal):
                lookup.literals.setdefault((predicate, obj), []).append(subject)
        _LOOKUPS.clear()
        _LOOKUPS[id(graph)] = (len(graph), lookup)
        return lookup

    def triples(self, pattern: Pattern) -> Iterator[Triple]:
        return self.graph.triples(pattern)

    def schema(self) -> list[Triple]:
        return self._schema

    def same_label(self, keys: set[str]) -> list[tuple[Node, Node]]:
        return [pair for key in keys for pair in self.labels.get(key, [])]

    def same_value(self, predicate: Node, value: Literal) -> list[Node]:
        return self.literals.get((predicate, value), [])


_LOOKUPS: dict[int, tuple[int, GraphLookup]] = {}

_SCHEMA_QUERY = f"""
CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER(isBlank(?s) || !STRSTARTS(STR(?s), "{KG_PREFIX}")) }}"""
_SAME_LABEL_QUERY = """
SELECT ?node ?label WHERE {
  ?node <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(LCASE(STR(?label)) IN (%s))
}"""


class StoreLookup:
    """A base graph held in Oxigraph (in memory or on disk): index lookups and small queries, so an
    entry is validated against a million-triple graph without reading it into Python."""

    def __init__(self, store: OxigraphStore) -> None:
        self.store = store.store

    def triples(self, pattern: Pattern) -> Iterator[Triple]:
        if isinstance(pattern[0], Literal) or isinstance(pattern[1], Literal | BNode):
            return  # no triple has a literal subject (rdflib answers such patterns with nothing too)
        s, p, o = (to_oxigraph(t) if t is not None else None for t in pattern)
        # Literal subjects and literal or blank predicates returned above.
        assert not isinstance(s, ox.Literal) and not isinstance(p, ox.Literal | ox.BlankNode)
        for quad in self.store.quads_for_pattern(s, p, o, ox.DefaultGraph()):
            yield terms.to_rdflib_triple(quad.triple)

    @cached_property
    def _schema(self) -> list[Triple]:
        return [terms.to_rdflib_triple(t) for t in terms.triples(self.store.query(_SCHEMA_QUERY))]

    def schema(self) -> list[Triple]:
        return self._schema

    def same_label(self, keys: set[str]) -> list[tuple[Node, Node]]:
        if not keys:
            return []
        # LCASE narrows the scan; casefold (what the rdflib lookup uses) decides.
        listed = ", ".join(json.dumps(key.lower()) for key in sorted(keys))
        found: list[tuple[Node, Node]] = []
        for row in terms.solutions(self.store.query(_SAME_LABEL_QUERY % listed)):
            label = shacl_sparql.bound_term(row["label"])
            if str(label).casefold() in keys:
                found.append((shacl_sparql.bound_term(row["node"]), label))
        return found

    def same_value(self, predicate: Node, value: Literal) -> list[Node]:
        quads = self.store.quads_for_pattern(
            None, shacl_sparql.ox_named_node(predicate), to_oxigraph(value), ox.DefaultGraph()
        )
        return [node for node in (shacl_sparql.bound_term(q.subject) for q in quads) if _is_curated(node)]


_STORE_LOOKUPS: dict[int, StoreLookup] = {}


def base_lookup(base: Graph | OxigraphStore | MemoryStore) -> BaseLookup:
    if isinstance(base, MemoryStore):
        base = base.graph
    if isinstance(base, Graph):
        return GraphLookup.of(base)
    lookup = _STORE_LOOKUPS.get(id(base))
    if lookup is None or lookup.store is not base.store:
        lookup = _STORE_LOOKUPS[id(base)] = StoreLookup(base)
    return lookup


def neighbourhood(base: Graph | OxigraphStore | MemoryStore, entry: Graph, focus: Iterable[URIRef]) -> Graph:
    """The part of base + entry that the shapes consult when they validate the focus nodes.

    Every constraint looks at most two links away from its focus node (an outcome's arm's study, an
    arm's regimen's drugs, a statement's asserted triple), at the types of what it reaches, and, for
    label uniqueness, at the nodes that carry the same label. So the context is: the schema, the focus
    nodes' own and incoming triples, the triples of every node one link away, the types of the nodes two
    links away, and the nodes sharing a label (or any other property value) with a focus node.
    Validating against it gives the same results for the focus nodes as validating against the whole
    graph (a test checks this on every fixture), in a fraction of the time. base may be an rdflib Graph
    or an Oxigraph store (a persistent one holding a million triples: nothing is read into Python but
    the few hundred triples around the entry).
    """
    lookup = base_lookup(base)

    def triples(pattern: Pattern) -> Iterator[Triple]:
        yield from lookup.triples(pattern)
        yield from entry.triples(pattern)

    context = bind_prefixes(Graph())
    for triple in lookup.schema():
        context.add(triple)  # the schema (TBox, mappings, ontology headers)
    for triple in entry:
        context.add(triple)
    focus = set(focus)
    node: Node  # a focus node, then the nodes around them
    first_ring: set[Node] = set()
    for node in focus:
        for triple in triples((node, None, None)):
            context.add(triple)
            first_ring.add(triple[2])
        for triple in triples((None, None, node)):
            context.add(triple)
            first_ring.add(triple[0])
    second_ring: set[Node] = set()
    for node in first_ring - focus:
        if _is_curated(node):
            for triple in triples((node, None, None)):
                context.add(triple)
                second_ring.add(triple[2])
    for node in second_ring:
        for triple in triples((node, RDF.type, None)):
            context.add(triple)
    wanted = {str(label).casefold() for node in focus for _, _, label in triples((node, RDFS.label, None))}
    same_label = lookup.same_label(wanted)
    same_label += [
        (n, label) for n, label in entry.subject_objects(RDFS.label) if str(label).casefold() in wanted
    ]
    for node, label in same_label:
        context.add((node, RDFS.label, label))
        for triple in triples((node, RDF.type, None)):
            context.add(triple)
    for node in focus:  # uniqueness rules: other nodes with the same value (reference number, step order)
        for _, predicate, value in list(triples((node, None, None))):
            if isinstance(value, Literal):
                for other in lookup.same_value(predicate, value):
                    context.add((other, predicate, value))
                    for triple in triples((other, RDF.type, None)):
                        context.add(triple)
    return context


def validate_entry_graph(
    entry: Graph,
    files: Sequence[Path],
    base: Graph | OxigraphStore | MemoryStore | None = None,
    engine: str = "hybrid",
    checks: bool = False,
) -> ValidationReport:
    """Validate an already parsed entry: only its own IRIs are focus nodes, the rest is context. With
    checks (what `validate` and `add` ask for) the entry checks of tpbc_kg.entry_checks run too: unknown
    terms, untyped and blank nodes, templates, ill-typed or oversized literals, identifiers missing from
    the reference data."""
    focus = entry_focus_nodes(entry)
    base = base if base is not None else bundled_graph()
    data = neighbourhood(base, entry, focus)
    locator = SourceLocator.of(files)
    report = run_engine(data, focus, engine) if focus else _empty_report()
    lookup = base_lookup(base)
    problems = entry_checks.run_all(entry, data, lookup.same_value) if checks else []
    added = add_problems(report, problems)
    results = _results(report, data, locator, place_problems(added, locator, files))
    return ValidationReport(results, report, len(focus))


def _empty_report() -> Graph:
    report = Graph()
    node = BNode()
    report.add((node, RDF.type, SH.ValidationReport))
    report.add((node, SH.conforms, Literal(True)))
    return report


def add_problems(report: Graph, problems: Sequence[entry_checks.Problem]) -> dict[Node, entry_checks.Problem]:
    """The entry checks' findings as sh:ValidationResult nodes of the W3C report, so the Turtle and JSON
    reports carry them like any SHACL result (the rule is tpbc-kg:<check>, the component "entry check")."""
    added: dict[Node, entry_checks.Problem] = {}
    root = next(report.subjects(RDF.type, SH.ValidationReport), None)
    for problem in problems:
        node = BNode()
        added[node] = problem
        report.add((node, RDF.type, SH.ValidationResult))
        report.add((node, SH.focusNode, problem.focus))
        report.add((node, SH.resultSeverity, SH[problem.severity]))
        report.add((node, SH.resultMessage, Literal(problem.message)))
        report.add((node, SH.sourceShape, CHECKS_NS[problem.check]))
        report.add((node, SH.sourceConstraintComponent, CHECKS_NS.EntryCheck))
        if problem.path is not None:
            report.add((node, SH.resultPath, problem.path))
        if problem.value is not None:
            report.add((node, SH.value, problem.value))
        if root is not None:
            report.add((root, SH.result, node))
    if root is not None and any(p.severity == "Violation" for p in problems):
        report.set((root, SH.conforms, Literal(False)))
    return added


def place_problems(
    problems: dict[Node, entry_checks.Problem], locator: SourceLocator, files: Sequence[Path]
) -> dict[Node, SourceLocation]:
    """Where each entry-check result is written: the line of its offending term (a class, a property, a
    literal), found from the line of its node on; the SHACL results point at the line of their focus
    node, which is as precise as a shape can say."""
    placed = {}
    for node, problem in problems.items():
        where = locator.locate(problem.focus) if isinstance(problem.focus, URIRef) else None
        path = Path(where.path) if where else (Path(files[0]) if files else None)
        if path is None:
            continue
        line = entry_checks.find_line(path, problem.term, where.line if where else 1)
        if line is not None or where is None:
            placed[node] = SourceLocation(where.path if where else str(path), line or 1)
    return placed


# --- rendering --------------------------------------------------------------------------------------------


def render_text(report: ValidationReport, strict: bool = False) -> str:
    lines: list[str] = []
    for result in report.results:
        lines.append(f"{result.severity}: {result.focus_label} ({result.focus})")
        if result.location:
            lines.append(f"  where:    {result.location}")
        if result.path:
            lines.append(f"  property: {result.path}")
        if result.value is not None:
            lines.append(f"  value:    {result.value}")
        lines.append(f"  problem:  {result.message}")
        lines.append(f"  rule:     {result.shape} ({result.component.removeprefix('sh:')})")
        lines.append("")
    scope = f"{report.focus_count} entry node(s)" if report.focus_count is not None else "the whole graph"
    verdict = "conforms" if report.conforms(strict) else "does not conform"
    lines.append(
        f"{scope}: {len(report.violations)} violation(s), {len(report.warnings)} warning(s): {verdict}"
        + (" (warnings count as failures with --strict)" if strict and report.warnings else "")
    )
    return "\n".join(lines) + "\n"


def render_json(report: ValidationReport, strict: bool = False) -> str:
    document = {
        "conforms": report.conforms(strict),
        "violations": len(report.violations),
        "warnings": len(report.warnings),
        "results": [
            {
                **{k: v for k, v in asdict(r).items() if k != "location"},
                "file": r.location.path if r.location else None,
                "line": r.location.line if r.location else None,
            }
            for r in report.results
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_turtle(report: ValidationReport) -> str:
    graph = report.report_graph
    graph.bind("sh", SH)
    return graph.serialize(format="turtle")


RENDERERS = {"text": render_text, "json": render_json}


def has_blank_nodes(graph: Graph) -> bool:
    return any(isinstance(term, BNode) for triple in graph for term in triple)
