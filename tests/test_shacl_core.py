"""Whole-graph validation as SPARQL on Oxigraph (engine "oxigraph", shacl_core) gives pyshacl's results.

Compared on (focus node, path, constraint component, severity): the whole bundled graph, and a sample
of the failing fixtures merged into it (every 24th; benchmarks/equivalence.py --engine oxigraph runs all
of them and a generated 100k graph). Each fixture is named after the (shape, component) it breaks, so the
fast engine must also report exactly that pair."""

from __future__ import annotations

from pathlib import Path

import pytest

from tpbc_kg import shacl_core, validate
from tpbc_kg.store import OxigraphStore, to_store

FIXTURES = sorted((Path(__file__).resolve().parent / "data" / "shapes" / "invalid").glob("*.ttl"))
SAMPLE = FIXTURES[::24]


def keys(results: list) -> set[tuple[str, str, str, str]]:
    return {(r.focus, r.path or "", r.component, r.severity) for r in results}


def test_every_shape_is_translated(graph):
    """No constraint of shapes/ is left to pyshacl: shacl_core knows every component they use."""
    store = to_store(graph)
    assert shacl_core.untranslated(validate.shapes_graph(), validate.split_shapes(), store) is None


@pytest.fixture(scope="module")
def bundled_reference(graph):
    return validate.validate_graph(graph, engine="pyshacl")


def test_whole_bundled_graph_same_results_as_pyshacl(graph, bundled_reference):
    fast = validate.validate_graph(graph, engine="oxigraph")
    assert keys(fast.results) == keys(bundled_reference.results)
    assert fast.conforms() == bundled_reference.conforms()


def test_a_store_validates_without_rdflib_and_names_the_bundled_warnings(graph):
    """validate_store reads nothing but labels into Python; the bundled graph has no violations, and
    its warnings carry the node's label."""
    from tpbc_kg.load import prefix_map

    report = validate.validate_store(OxigraphStore(to_store(graph), prefix_map()))
    assert report.conforms()
    assert report.warnings
    assert all(r.focus_label for r in report.warnings)
    assert {r.component for r in report.warnings} <= {
        "sh:SPARQLConstraintComponent",
        "sh:NotConstraintComponent",
        "sh:MinCountConstraintComponent",
        "sh:PatternConstraintComponent",
        "sh:ClassConstraintComponent",
        "sh:MaxCountConstraintComponent",
    }


@pytest.mark.parametrize("fixture", SAMPLE, ids=lambda p: p.stem)
def test_fixture_merged_into_the_graph_same_results_as_pyshacl(graph, fixture):
    entry = validate.read_entries([fixture])
    focus = validate.entry_focus_nodes(entry)
    with validate.overlaid(graph, entry) as data:
        store = to_store(data)
        reference = validate._results(
            validate.run_engine(data, focus, engine="pyshacl"), data, validate.SourceLocator()
        )
        report = validate.oxigraph_report(store)
        fast = validate._results(report, data, validate.SourceLocator())
    wanted = {validate._term_text(validate.bind_prefixes(validate.Graph()), n) for n in focus}
    fast_keys = {k for k in keys(fast) if k[0] in wanted}
    assert fast_keys == keys(reference)
    shape, component = fixture.stem.split("--")
    assert any(r.shape == f"tpbcsh:{shape}" and r.component == f"sh:{component}" for r in fast), (
        f"{fixture.name}: the fast engine does not report {shape} / {component}"
    )
