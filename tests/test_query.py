"""Quality-check queries (queries/qc/): the bundled graph passes every error-level check, and each check
catches the violating fixture written for it (tests/data/qc/<check>.ttl)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import schema_with
from tpbc_kg.qc import run_checks
from tpbc_kg.query import qc_queries, read_query_file, run

FIXTURES = Path(__file__).resolve().parent / "data" / "qc"
CHECKS = qc_queries()


def _rows(graph, query):
    return [(graph.namespace_manager.normalizeUri(r[0]), str(r[1])) for r in run(graph, query)]


@pytest.fixture(scope="module")
def problems(graph):
    return run_checks(graph)


@pytest.mark.parametrize("check", [q for q in CHECKS if q.severity == "error"], ids=lambda q: q.name)
def test_bundled_graph_passes(graph, problems, check):
    rows = [
        (graph.namespace_manager.normalizeUri(p.focus), p.detail) for p in problems if p.check == check.name
    ]
    fix = check.header.get("fix")
    assert not rows, f"{check.title} ({fix}):\n" + "\n".join(f"{f}: {d}" for f, d in rows[:25])


@pytest.mark.parametrize("check", CHECKS, ids=lambda q: q.name)
def test_rdflib_and_oxigraph_agree_on_the_fixture(schema, check):
    """The checks run on Oxigraph; rdflib must find the same problems (the engines are interchangeable)."""
    graph = schema_with(schema, FIXTURES / f"{check.name}.ttl")
    by_rdflib = sorted(_rows(graph, check))
    by_oxigraph = sorted(
        (graph.namespace_manager.normalizeUri(p.focus), p.detail) for p in run_checks(graph, [check])
    )
    assert by_rdflib == by_oxigraph


@pytest.mark.parametrize("check", CHECKS, ids=lambda q: q.name)
def test_check_catches_its_fixture(schema, check):
    fixture = FIXTURES / f"{check.name}.ttl"
    assert fixture.is_file(), f"every quality check needs a violating fixture: add {fixture}"
    graph = schema_with(schema, fixture)
    assert _rows(graph, check), f"{check.name} found nothing in its violating fixture"


@pytest.mark.parametrize("check", CHECKS, ids=lambda q: q.name)
def test_check_header_describes_it(check):
    for field in ("title", "question", "severity", "columns", "fix"):
        assert check.header.get(field), f"{check.path.name} header lacks '# {field}:'"


def test_header_continuation_lines_are_joined(tmp_path):
    path = tmp_path / "q.rq"
    path.write_text("# title: A\n# question: first part\n#   second part\nSELECT * WHERE { ?s ?p ?o }\n")
    assert read_query_file(path).header["question"] == "first part second part"
