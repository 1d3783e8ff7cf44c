"""SHACL validation: the bundled graph conforms; every constraint has a fixture that triggers exactly it;
templates pass; JSON-LD entries behave like their Turtle twins; reports say where and what."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from tpbc_kg import validate
from tpbc_kg.api import bundled_graph
from tpbc_kg.cli import main
from tpbc_kg.errors import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK
from tpbc_kg.paths import project_root
from tpbc_kg.store import OxigraphStore, to_oxigraph, to_store

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES_NS = "https://w3id.org/tpbc-kg/shapes#"
INVALID = Path(__file__).resolve().parent / "data" / "shapes" / "invalid"
EXAMPLES = project_root() / "examples"

# constraint parameter -> the SHACL component that reports it
_COMPONENT_OF = {
    "minCount": "MinCountConstraintComponent",
    "maxCount": "MaxCountConstraintComponent",
    "datatype": "DatatypeConstraintComponent",
    "class": "ClassConstraintComponent",
    "in": "InConstraintComponent",
    "pattern": "PatternConstraintComponent",
    "minInclusive": "MinInclusiveConstraintComponent",
    "maxInclusive": "MaxInclusiveConstraintComponent",
    "minExclusive": "MinExclusiveConstraintComponent",
    "maxExclusive": "MaxExclusiveConstraintComponent",
    "uniqueLang": "UniqueLangConstraintComponent",
    "nodeKind": "NodeKindConstraintComponent",
    "hasValue": "HasValueConstraintComponent",
    "or": "OrConstraintComponent",
    "and": "AndConstraintComponent",
    "not": "NotConstraintComponent",
    "xone": "XoneConstraintComponent",
    "node": "NodeConstraintComponent",
    "minLength": "MinLengthConstraintComponent",
    "maxLength": "MaxLengthConstraintComponent",
    "languageIn": "LanguageInConstraintComponent",
    "equals": "EqualsConstraintComponent",
    "disjoint": "DisjointConstraintComponent",
    "lessThan": "LessThanConstraintComponent",
    "closed": "ClosedConstraintComponent",
    "qualifiedMinCount": "QualifiedMinCountConstraintComponent",
    "qualifiedMaxCount": "QualifiedMaxCountConstraintComponent",
    "sparql": "SPARQLConstraintComponent",
}


def _operands(shapes: Graph) -> set:
    """Shapes used only inside sh:or / sh:and / sh:xone / sh:not / sh:node: their failures are reported by
    the shape that uses them (as an Or/Not/... component), so they need no fixture of their own."""
    found = set()
    for operator in (SH["or"], SH["and"], SH.xone):
        for members in shapes.objects(None, operator):
            found |= set(shapes.items(members))
    for operator in (SH["not"], SH.node, SH.qualifiedValueShape):
        found |= set(shapes.objects(None, operator))
    nested = set()
    for shape in found:
        nested |= set(shapes.objects(shape, SH.property))
    return found | nested


def constraints(shapes: Graph) -> set[tuple[str, str]]:
    """(shape local name, component local name) for every constraint declared on a named shape."""
    found = set()
    operands = _operands(shapes)
    for shape, parameter, _ in shapes:
        if not (isinstance(shape, URIRef) and str(shape).startswith(SHAPES_NS)) or shape in operands:
            continue
        name = str(parameter).removeprefix(str(SH))
        if str(parameter).startswith(str(SH)) and name in _COMPONENT_OF:
            found.add((str(shape)[len(SHAPES_NS) :], _COMPONENT_OF[name]))
    return found


def _pairs(report: validate.ValidationReport) -> set[tuple[str, str]]:
    return {(r.shape.removeprefix("tpbcsh:"), r.component.removeprefix("sh:")) for r in report.results}


FIXTURES = sorted(INVALID.glob("*.ttl"))


@pytest.fixture(scope="module")
def bundled_report() -> validate.ValidationReport:
    """The default engine's report on the whole bundled graph, computed once for this module's tests."""
    return validate.validate_graph()


def test_bundled_graph_conforms_and_both_engines_agree_on_it(bundled_report):
    """The whole bundled graph: no violations, and the fast engine reports exactly what pyshacl reports
    (the review-only claims, trials without an NCT number ... are warnings)."""
    hybrid = bundled_report
    assert hybrid.conforms(), validate.render_text(hybrid)
    reference = validate.validate_graph(engine="pyshacl")
    assert _keys(hybrid.results) == _keys(reference.results)
    assert any(r.severity == "Warning" for r in hybrid.results)


def test_every_constraint_has_a_fixture():
    wanted = constraints(validate.shapes_graph())
    assert len(wanted) > 50
    have = {tuple(p.stem.split("--")) for p in FIXTURES}
    missing = sorted(wanted - have)
    assert not missing, f"constraints without a failing fixture in {INVALID}: {missing}"


def test_every_shape_holds_at_most_one_sparql_constraint():
    shapes = validate.shapes_graph()
    crowded = [
        s for s in set(shapes.subjects(SH.sparql, None)) if len(list(shapes.objects(s, SH.sparql))) > 1
    ]
    assert not crowded, "give each SPARQL constraint its own shape so a result names exactly one rule"


def _keys(results: list[validate.ValidationResult]) -> set[tuple[str, str, str, str]]:
    """What must agree between engines and contexts: focus node, path, constraint component, severity."""
    return {(r.focus, r.path or "", r.component, r.severity) for r in results}


@pytest.fixture(scope="module")
def whole_graph():
    """The bundled graph and an Oxigraph copy of it, each of which a test may overlay an entry on."""
    graph = bundled_graph()
    return graph, OxigraphStore(to_store(graph))


@contextmanager
def stored(target: OxigraphStore, entry: Graph) -> Iterator[None]:
    """The entry's new triples in the store for the duration of the block."""
    quads = [ox.Quad(*(to_oxigraph(t) for t in triple)) for triple in entry]
    added = [q for q in quads if q not in target.store]
    for quad in added:
        target.store.add(quad)
    try:
        yield
    finally:
        for quad in added:
            target.store.remove(quad)


def _by_value(term: Node) -> object:
    return (term.toPython(), term.datatype, term.language) if isinstance(term, Literal) else term


def _without_blank_nodes(graph: Graph) -> tuple[set, int]:
    """The triples between named terms, literals by value, and how many other triples there are.
    (Oxigraph relabels blank nodes, and keeps a decimal "48.0" as its value, 48.)"""
    named = {tuple(map(_by_value, t)) for t in graph if not any(isinstance(term, BNode) for term in t)}
    return named, len(graph) - len(named)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_fixture_triggers_exactly_its_constraint_as_on_the_whole_graph(fixture, whole_graph):
    """Every fixture yields exactly its (shape, component) pair, and the entry validation (the entry's
    neighbourhood, not the whole graph) gives the results that validating the whole graph plus the entry,
    restricted to the entry's nodes, gives (every 4th fixture here, all in benchmarks/equivalence.py).
    The neighbourhood is the same whether the base graph is held by rdflib or by Oxigraph (how an entry
    is validated against a large persistent store)."""
    graph, store = whole_graph
    entry = validate.read_entries([fixture])
    focus = validate.entry_focus_nodes(entry)
    fast = validate.validate_entry_graph(entry, [fixture])
    assert _pairs(fast) == {tuple(fixture.stem.split("--"))}, validate.render_text(fast)
    from_store = validate.neighbourhood(store, entry, focus)
    assert _without_blank_nodes(from_store) == _without_blank_nodes(
        validate.neighbourhood(graph, entry, focus)
    )
    if FIXTURES.index(fixture) % 4:
        return  # the whole-graph run on every 4th fixture here; benchmarks/equivalence.py runs all of them
    with validate.overlaid(graph, entry) as data, stored(store, entry):
        whole = validate.run_engine(data, focus, store=store.store)
        assert _keys(fast.results) == _keys(validate._results(whole, data, validate.SourceLocator()))


@pytest.mark.parametrize("fixture", FIXTURES[::12], ids=lambda p: p.stem)
def test_hybrid_engine_gives_pyshacls_results(fixture, whole_graph):
    """The fast engine (core constraints in pyshacl, SPARQL constraints and targets on Oxigraph) gives
    what pyshacl alone gives on the entry's validation. Every 12th fixture here, to keep the suite under
    two minutes on two cores; `python benchmarks/equivalence.py` runs every fixture (benchmarks/RESULTS.md
    records its last run)."""
    graph, _ = whole_graph
    entry = validate.read_entries([fixture])
    focus = validate.entry_focus_nodes(entry)
    data = validate.neighbourhood(graph, entry, focus)
    hybrid = validate._results(validate.run_engine(data, focus), data, validate.SourceLocator())
    reference = validate._results(validate.run_engine(data, focus, "pyshacl"), data, validate.SourceLocator())
    assert _keys(hybrid) == _keys(reference)


def _templates() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*") if p.suffix in {".ttl", ".jsonld"})


@pytest.mark.parametrize("template", _templates(), ids=lambda p: p.name)
def test_unedited_templates_are_refused_marker_by_marker(template):
    """An example copied without editing must not get in: every value still marked TEMPLATE and every
    placeholder identifier (NCT00000000, DRUGBANK:DB00000 ...) is a violation on its own line."""
    report = validate.validate_entries([template])
    markers = sum(1 for line in template.read_text().splitlines() if '"TEMPLATE' in line)
    placed = [r for r in report.violations if r.shape == "checks:TemplateMarker"]
    assert len(placed) >= markers > 0
    assert {r.shape for r in report.violations} <= {"checks:TemplateMarker", "checks:PlaceholderIdentifier"}
    lines = template.read_text().splitlines()
    for result in placed:
        assert result.location is not None and "TEMPLATE" in lines[result.location.line - 1], result


@pytest.mark.parametrize("template", _templates(), ids=lambda p: p.name)
def test_filled_in_templates_validate_cleanly(template, tmp_path):
    """What a curator hands in after editing the example (markers replaced, placeholders deleted) passes;
    the only warnings left say which identifier the fictional entity lacks."""
    from tests.conftest import filled_template

    report = validate.validate_entries([filled_template(template, tmp_path)])
    assert not report.violations, validate.render_text(report)
    assert all(r.shape.endswith("Recommended") or r.shape.endswith("-recommended") for r in report.warnings)


@pytest.mark.parametrize("template", sorted(EXAMPLES.glob("*.ttl")), ids=lambda p: p.stem)
def test_json_ld_template_is_the_turtle_twin(template):
    twin = template.with_suffix(".jsonld")
    assert twin.is_file(), f"{template.name} needs a JSON-LD twin"
    from rdflib.compare import isomorphic

    assert isomorphic(Graph().parse(template), Graph().parse(twin, format="json-ld"))


@pytest.mark.parametrize("fixture", FIXTURES[::56], ids=lambda p: p.stem)
def test_json_ld_entry_gives_the_same_results(fixture, tmp_path):
    twin = tmp_path / (fixture.stem + ".jsonld")
    twin.write_text(Graph().parse(fixture).serialize(format="json-ld"))
    turtle = validate.validate_entries([fixture])
    jsonld = validate.validate_entries([twin])
    key = lambda r: (r.focus, r.shape, r.component, r.path, r.value)  # noqa: E731
    assert sorted(map(key, turtle.results)) == sorted(map(key, jsonld.results))


def test_text_report_names_file_line_path_and_message(tmp_path, capsys):
    entry = tmp_path / "entry.ttl"
    entry.write_text(
        "@prefix kg: <https://w3id.org/tpbc-kg/id/> .\n"
        "@prefix tpbc: <https://w3id.org/tpbc-kg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n"
        "kg:gene-TEST a tpbc:Gene ;\n"
        '    rdfs:label "TEST"@en ;\n'
        '    tpbc:hgncId "3430" .\n'
    )
    assert main(["validate", str(entry)]) == EXIT_CHECK_FAILED
    out = capsys.readouterr().out
    assert f"{entry}:5" in out and "tpbc:hgncId" in out and "3430" in out and "Violation" in out


def test_json_and_turtle_reports(tmp_path, capsys):
    entry = FIXTURES[0]
    assert main(["validate", "--format", "json", str(entry)]) == EXIT_CHECK_FAILED
    document = json.loads(capsys.readouterr().out)
    assert document["conforms"] is False and document["results"][0]["line"] >= 1
    assert main(["validate", "--format", "turtle", str(entry)]) == EXIT_CHECK_FAILED
    report = Graph().parse(data=capsys.readouterr().out, format="turtle")
    assert (None, SH.conforms, None) in report


def test_syntax_error_exits_2_with_the_line(tmp_path, capsys):
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix kg: <https://w3id.org/tpbc-kg/id/> .\n\nkg:a kg:b kg:c ;\n    kg:d .\n")
    assert main(["validate", str(broken)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"{broken}:4" in err and "Traceback" not in err


def test_unknown_format_and_missing_file_exit_2(tmp_path, capsys):
    odd = tmp_path / "entry.csv"
    odd.write_text("a,b\n")
    assert main(["validate", str(odd)]) == EXIT_BAD_INPUT
    assert main(["validate", str(tmp_path / "missing.ttl")]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "unknown RDF format" in err and "file not found" in err


def test_strict_turns_warnings_into_failures(tmp_path, capsys):
    """A gene without an HGNC ID is a curation smell (warning), not an error."""
    entry = tmp_path / "gene.ttl"
    entry.write_text(
        "@prefix kg: <https://w3id.org/tpbc-kg/id/> .\n"
        "@prefix tpbc: <https://w3id.org/tpbc-kg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n\n"
        "kg:gene-NOVEL1 a tpbc:Gene ;\n"
        '    rdfs:label "NOVEL1"@en ;\n'
        '    dcterms:description "A gene named in a new paper that HGNC does not list."@en .\n'
    )
    assert main(["validate", str(entry)]) == EXIT_OK
    assert "Warning" in capsys.readouterr().out
    assert main(["validate", "--strict", str(entry)]) == EXIT_CHECK_FAILED


def test_validate_without_files_checks_the_bundled_graph(capsys, monkeypatch, bundled_report):
    """The command validates the whole graph when given no files (the report itself is the module's)."""
    asked = []
    monkeypatch.setattr(validate, "validate_graph", lambda *a, **k: asked.append((a, k)) or bundled_report)
    assert main(["validate"]) == EXIT_OK
    assert asked == [((), {})]
    assert "the whole graph: 0 violation(s)" in capsys.readouterr().out
