"""Parameters the planner sees: every canned query, bound by writing its resolved terms into the query
(query.planner_bound), gives the rows it gave with engine substitution, on the bundled graph and on a
generated one, and the binding never carries a user's text into the query.

tests/test_queries.py::test_same_rows_on_every_store also compares the planner-bound answers (the default
path of `execute` on Oxigraph) with rdflib's initBindings on the bundled graph."""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from tpbc_kg.load import prefix_map
from tpbc_kg.paths import project_root
from tpbc_kg.query import (
    bind_parameters,
    canned_queries,
    canned_query,
    execute,
    normalise_rows,
    planner_bound,
)
from tpbc_kg.store import OxigraphStore, to_oxigraph, to_rdflib, to_store

sys.path.insert(0, str(project_root() / "benchmarks"))
import generate

KG = "https://w3id.org/tpbc-kg/id/"
# Every canned query with its header's example, plus the cases where an optional parameter is given or
# two are bound at once.
CASES: list[tuple[str, dict[str, str]]] = [
    (q.name, {}) for q in canned_queries() if not any(p.required for p in q.parameters)
] + [
    ("best-arms-by-endpoint", {"endpoint": "median PFS"}),
    ("claims-by-evidence-level", {"level": "A"}),
    ("claims-by-evidence-level", {"level": "A", "direction": "does not support"}),
    ("clinical-results", {"entity": "CLEOPATRA"}),
    ("clinical-results", {"entity": "CLEOPATRA", "aspect": "cardiac safety"}),
    ("best-arms-by-endpoint", {"endpoint": "median PFS", "setting": "metastatic first line"}),
    ("drug-targets", {"drug": "lapatinib"}),
    ("drug-toxicities", {"drug": "trastuzumab"}),
    ("drugs-by-class", {"class": "CDK4/6 inhibitor"}),
    ("drugs-bypassing-resistance", {"mechanism": "PTEN loss"}),
    ("evidence-for", {"entity": "trastuzumab"}),
    ("evidence-for", {"entity": "PERTAIN"}),
    ("mechanisms-by-category", {"category": "bypass RTK signalling"}),
    ("pathway-members", {"pathway": "PI3K/AKT/mTOR"}),
    ("resistance-mechanisms-for-drug", {"drug": "trastuzumab"}),
    ("trial-outcomes", {"trial": "CLEOPATRA"}),
    ("trial-outcomes", {"trial": "NALA", "endpoint": "median PFS"}),
    ("trials-for-drug", {"drug": "tucatinib"}),
]


def test_every_parameterised_query_has_a_case():
    covered = {name for name, params in CASES if params}
    assert covered == {q.name for q in canned_queries() if q.parameters}


def _normalised(term: Any) -> Any:
    if isinstance(term, Literal) and term.datatype is not None and "decimal" in str(term.datatype):
        return ("number", Decimal(str(term)).normalize())
    return None if term is None else (type(term).__name__, str(term))


def _substituted_rows(store: OxigraphStore, name: str, bindings: dict) -> list:
    """The answer as it was before: Oxigraph's own substitutions, applied after planning."""
    query = canned_query(name)
    substitutions = {ox.Variable(k): to_oxigraph(v) for k, v in bindings.items()}
    solutions = store.store.query(query.text, substitutions=substitutions or None)
    variables = [v.value for v in solutions.variables]
    rows = [tuple(to_rdflib(s[v]) for v in variables) for s in solutions]
    return variables, normalise_rows(variables, rows, query.list_columns)


def _compare(store: OxigraphStore, name: str, bindings: dict) -> None:
    query = canned_query(name)
    text, left = planner_bound(query.text, bindings)
    assert not left
    variables, rows = store.select(text)
    rows = normalise_rows(variables, rows, query.list_columns)
    before_vars, before = _substituted_rows(store, name, bindings)
    assert variables == before_vars == query.columns
    assert sorted(map(repr, ([_normalised(v) for v in r] for r in rows))) == sorted(
        map(repr, ([_normalised(v) for v in r] for r in before))
    )


@pytest.fixture(scope="module")
def bundled_store() -> OxigraphStore:
    from tpbc_kg import api

    return OxigraphStore(to_store(api.bundled_graph()), prefix_map())


@pytest.fixture(scope="module")
def generated_store() -> OxigraphStore:
    """Two whole copies of the curated graph (-s0, -s1), the schema and the references: every question
    now has a twin whose rows must stay out of the answer."""
    store = ox.Store()
    store.bulk_load(
        ox.serialize(generate.iter_triples(30_000, seed=3), format=ox.RdfFormat.N_TRIPLES),
        format=ox.RdfFormat.N_TRIPLES,
    )
    return OxigraphStore(store, prefix_map())


def _bindings(store: OxigraphStore, name: str, params: dict[str, str], suffix: str = "") -> dict:
    """The parameters resolved on the bundled names, moved to the copy the generated graph names."""
    from tpbc_kg import api

    bound = bind_parameters(api.query_graph(), canned_query(name), params)
    return {k: URIRef(str(v) + suffix) if str(v).startswith(KG) else v for k, v in bound.items()}


@pytest.mark.parametrize("name,params", CASES, ids=lambda v: str(v))
def test_same_rows_as_engine_substitution_on_the_bundled_graph(bundled_store, name, params):
    _compare(bundled_store, name, _bindings(bundled_store, name, params))


@pytest.mark.parametrize("suffix", ["-s0", "-s1"])
@pytest.mark.parametrize("name,params", CASES, ids=lambda v: str(v))
def test_same_rows_as_engine_substitution_on_a_generated_graph(generated_store, name, params, suffix):
    _compare(generated_store, name, _bindings(generated_store, name, params, suffix))


def test_a_copy_is_answered_about_itself_only(generated_store):
    """lapatinib of copy s1: its rows name s1's drug and no other copy's."""
    bindings = _bindings(generated_store, "drug-targets", {"drug": "lapatinib"}, "-s1")
    text, _ = planner_bound(canned_query("drug-targets").text, bindings)
    _, rows = generated_store.select(text)
    drugs = {str(row[0]) for row in rows}
    assert drugs == {KG + "drug-lapatinib-s1"}
    targets = {str(row[3]) for row in rows}
    assert KG + "gene-ERBB2-s1" in targets and KG + "gene-ERBB2-s0" not in targets


def test_the_query_carries_the_resolved_term_and_never_the_users_text(bundled_store):
    """A user types a label; the query holds the IRI that label resolved to, in a VALUES block and in
    the patterns, written by Oxigraph's term serialiser."""
    query = canned_query("drugs-bypassing-resistance")
    bindings = bind_parameters(bundled_store.names(), query, {"mechanism": "PTEN loss"})
    text, _ = planner_bound(query.text, bindings)
    assert text.count("PTEN loss") == query.text.count("PTEN loss")  # only the header's example
    assert f"VALUES (?mechanism) {{ (<{KG}mech-pten-loss>) }}" in text
    body = text.split("WHERE", 1)[1].replace("VALUES (?mechanism)", "")
    assert not re.search(r"[?$]mechanism\b", body.split("\n}")[0])  # none left in the patterns


def test_columns_and_comments_keep_their_variable_names():
    """In a subquery's SELECT clause and GROUP BY, and in comments and strings, ?endpoint stays a name."""
    text = (
        "SELECT ?endpoint ?n WHERE {\n"
        "  { SELECT ?endpoint (COUNT(?o) AS ?n) WHERE { ?o <p:m> ?endpoint } GROUP BY ?endpoint }\n"
        '  # a comment about ?endpoint\n  FILTER(STR(?endpoint) != "?endpoint")\n'
        "}"
    )
    bound, _ = planner_bound(text, {"endpoint": URIRef("p:pfs")})
    assert "SELECT ?endpoint (COUNT(?o) AS ?n) WHERE { ?o <p:m> <p:pfs> } GROUP BY ?endpoint" in bound
    assert "# a comment about ?endpoint" in bound
    assert 'FILTER(STR(<p:pfs>) != "?endpoint")' in bound


def test_a_literal_parameter_is_written_as_a_typed_literal():
    text = "SELECT ?x WHERE { ?x <p:size> ?n }"
    bound, _ = planner_bound(text, {"n": Literal(12)})
    assert '<p:size> "12"^^<http://www.w3.org/2001/XMLSchema#integer>' in bound
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("p:a"), ox.NamedNode("p:size"), ox.Literal(12)))
    assert [s["x"].value for s in store.query(bound)] == ["p:a"]


def test_execute_on_oxigraph_answers_as_rdflib(bundled_store):
    from tpbc_kg import api

    rdflib_rows = execute(api.bundled_graph(), canned_query("trials-for-drug"), {"drug": "tucatinib"}).rows
    oxigraph_rows = execute(bundled_store, canned_query("trials-for-drug"), {"drug": "tucatinib"}).rows
    assert {str(r[0]) for r in rdflib_rows} == {str(r[0]) for r in oxigraph_rows}
    assert any("HER2CLIMB" in str(r) for r in oxigraph_rows)
