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
from functools import cache
from pathlib import Path

import pyshacl
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from tpbc_kg import shacl_sparql
from tpbc_kg.api import bundled_graph
from tpbc_kg.load import bind_prefixes, guess_format, parse_into
from tpbc_kg.paths import shapes_dir
from tpbc_kg.store import to_store

SH = Namespace("http://www.w3.org/ns/shacl#")
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


def _pyshacl(data: Graph, shapes: Graph, focus: Sequence[URIRef] | None) -> Graph:
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


def run_engine(data: Graph, focus: Sequence[URIRef] | None, engine: str = "hybrid") -> Graph:
    """The W3C validation report for data. engine "pyshacl" runs every shape in pyshacl (the reference);
    "hybrid" (the default) runs the core constraints in pyshacl and the SPARQL-based ones on Oxigraph."""
    if engine == "pyshacl":
        return _pyshacl(data, shapes_graph(), focus)
    if engine != "hybrid":
        raise ValueError(f"unknown validation engine {engine!r}; use hybrid or pyshacl")
    parts = split_shapes()
    store = to_store(data)
    targeted = Graph()  # shapes with a SPARQL target and core constraints: hand pyshacl their nodes
    for target in parts.targets:
        for node in shacl_sparql.target_nodes(store, shapes_graph(), target.shape, [target]):
            targeted.add((target.shape, SH.targetNode, node))
    with overlaid(parts.core, targeted) as core:
        report = _pyshacl(data, core, focus)
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


def _results(report: Graph, data: Graph, locator: SourceLocator) -> list[ValidationResult]:
    names = bind_prefixes(Graph())
    for graph in (names, report):
        bind_prefixes(graph)
        graph.bind("tpbcsh", "https://w3id.org/tpbc-kg/shapes#")
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
                location=locator.locate(focus) if isinstance(focus, URIRef) else None,
            )
        )
    return sorted(
        out, key=lambda r: (_SEVERITY_ORDER.get(r.severity, 3), str(r.location or ""), r.focus, r.shape)
    )


# --- where a node is written ---------------------------------------------------------------------------

_PREFIX = re.compile(r"@prefix\s+([A-Za-z][\w.-]*|)\s*:\s*<([^>]*)>", re.IGNORECASE)
_SPARQL_PREFIX = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*|)\s*:\s*<([^>]*)>", re.IGNORECASE)
_TTL_SUBJECT = re.compile(r"^(<[^>]+>|[A-Za-z][\w.-]*:[^\s;,]*|:[^\s;,]+)")
_JSON_ID = re.compile(r'"@id"\s*:\s*"([^"]+)"')
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
        if path.suffix.lower() in {".jsonld", ".json"}:
            self._scan_json(text, shown)
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
            if token.startswith("<"):
                self._remember(token[1:-1], shown, number)
            else:
                prefix, _, local = token.partition(":")
                if prefix in prefixes:
                    self._remember(prefixes[prefix] + local.replace("\\", ""), shown, number)

    def _scan_json(self, text: str, shown: str) -> None:
        for number, line in enumerate(text.splitlines(), start=1):
            for match in _JSON_ID.finditer(line):
                value = match.group(1)
                prefix, _, local = value.partition(":")
                iri = _JSON_CONTEXT_PREFIXES[prefix] + local if prefix in _JSON_CONTEXT_PREFIXES else value
                self._remember(iri, shown, number)


# --- entry points -----------------------------------------------------------------------------------------


def validate_graph(
    graph: Graph | None = None, module_files: Iterable[Path] = (), engine: str = "hybrid"
) -> ValidationReport:
    """Validate a whole graph (by default the bundled one): the release check."""
    from tpbc_kg.load import curated_files

    data = graph if graph is not None else bundled_graph()
    files = list(module_files) or curated_files()
    report = run_engine(data, None, engine)
    return ValidationReport(_results(report, data, SourceLocator.of(files)), report)


def read_entries(files: Sequence[Path], fmt: str | None = None) -> Graph:
    """Parse entry files into one graph; every unreadable file is an InputError with a position."""
    entry = bind_prefixes(Graph())
    for path in files:
        guess_format(path, fmt)
        parse_into(entry, path, fmt)
    return entry


def entry_focus_nodes(entry: Graph) -> list[URIRef]:
    return sorted({s for s in entry.subjects() if isinstance(s, URIRef)}, key=str)


def validate_entries(
    files: Sequence[Path], fmt: str | None = None, base: Graph | None = None, engine: str = "hybrid"
) -> ValidationReport:
    """Validate curator entry files in the context of the bundled graph (or base)."""
    entry = read_entries(files, fmt)
    return validate_entry_graph(entry, files, base, engine)


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


@dataclass
class _BaseIndex:
    """What every entry's neighbourhood needs from the (large, unchanging) base graph, computed once."""

    schema: list[tuple[Node, Node, Node]]
    labels: dict[str, list[tuple[Node, Node]]]
    literals: dict[tuple[Node, Node], list[Node]]  # (property, literal) -> subjects carrying it


_BASE_INDEX: dict[int, tuple[int, _BaseIndex]] = {}


def _base_index(base: Graph) -> _BaseIndex:
    cached = _BASE_INDEX.get(id(base))
    if cached is not None and cached[0] == len(base):
        return cached[1]
    labels: dict[str, list[tuple[Node, Node]]] = {}
    for node, label in base.subject_objects(RDFS.label):
        labels.setdefault(str(label).casefold(), []).append((node, label))
    literals: dict[tuple[Node, Node], list[Node]] = {}
    for subject, predicate, obj in base:
        if isinstance(obj, Literal) and _is_curated(subject):
            literals.setdefault((predicate, obj), []).append(subject)
    index = _BaseIndex([t for t in base if not _is_curated(t[0])], labels, literals)
    _BASE_INDEX.clear()
    _BASE_INDEX[id(base)] = (len(base), index)
    return index


def neighbourhood(base: Graph, entry: Graph, focus: Iterable[URIRef]) -> Graph:
    """The part of base + entry that the shapes consult when they validate the focus nodes.

    Every constraint looks at most two links away from its focus node (an outcome's arm's study, an
    arm's regimen's drugs, a statement's asserted triple), at the types of what it reaches, and, for
    label uniqueness, at the nodes that carry the same label. So the context is: the schema, the focus
    nodes' own and incoming triples, the triples of every node one link away, the types of the nodes two
    links away, and the nodes sharing a label (or any other property value) with a focus node.
    Validating against it gives the same results for the focus nodes as validating against the whole
    graph (a test checks this on a sample of the fixtures), in a fraction of the time.
    """
    graphs = (base, entry)

    def triples(pattern: tuple[Node | None, Node | None, Node | None]) -> Iterator[tuple[Node, Node, Node]]:
        for graph in graphs:
            yield from graph.triples(pattern)

    index = _base_index(base)
    context = bind_prefixes(Graph())
    for triple in index.schema:
        context.add(triple)  # the schema (TBox, mappings, ontology headers)
    for triple in entry:
        context.add(triple)
    focus = set(focus)
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
    same_label = [pair for key in wanted for pair in index.labels.get(key, [])]
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
                for other in index.literals.get((predicate, value), []):
                    context.add((other, predicate, value))
                    for triple in triples((other, RDF.type, None)):
                        context.add(triple)
    return context


def validate_entry_graph(
    entry: Graph, files: Sequence[Path], base: Graph | None = None, engine: str = "hybrid"
) -> ValidationReport:
    """Validate an already parsed entry: only its own IRIs are focus nodes, the rest is context."""
    focus = entry_focus_nodes(entry)
    if not focus:
        return ValidationReport([], Graph(), 0)
    base = base if base is not None else bundled_graph()
    data = neighbourhood(base, entry, focus)
    report = run_engine(data, focus, engine)
    results = _results(report, data, SourceLocator.of(files))
    return ValidationReport(results, report, len(focus))


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
