"""The canned queries (queries/*.rq): their headers, the answers the sources support, the same rows on a
second engine (Oxigraph), and parameter values that can only ever be data.

The expected answers live in tests/data/queries/expectations.tsv, one case per line, each naming the
section or table of the source it was read from (review "R", commentary "C"): a query, its parameters
(`key=value | key=value`), an expectation (`row`: some row matches; `no-row`: none does; `count=N`: N rows
match; `rows=N`: the answer has N rows) and a match (`column=value && column~text`). `=` compares a label,
text or number exactly (an empty value means unbound; a list column must hold exactly that one item);
`~` asks for a substring of the text, or of one item of a list column.
"""

from __future__ import annotations

import csv
import re
import shlex
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, RDFS, Graph, Literal
from rdflib.term import Node

import tpbc_kg
from tpbc_kg.api import ask
from tpbc_kg.namespace import KG, TPBC
from tpbc_kg.query import (
    AmbiguousParameterValue,
    Parameter,
    ParameterError,
    QueryHeaderError,
    QueryResult,
    UnknownParameterValue,
    UnknownQuery,
    canned_queries,
    canned_query,
    execute,
    parse_parameters,
    resolve_value,
    to_dicts,
)

EXPECTATIONS = Path(__file__).resolve().parent / "data" / "queries" / "expectations.tsv"
QUERIES = canned_queries()
REQUIRED_QUERIES = {
    "drugs-bypassing-resistance",
    "resistance-mechanisms-for-drug",
    "drug-targets",
    "trials-for-drug",
    "trial-outcomes",
    "triple-therapy-trials",
    "chemotherapy-free-regimens",
    "best-arms-by-endpoint",
    "pathway-members",
    "er-her2-crosstalk",
    "drugs-by-class",
    "brain-metastasis-options",
    "mechanisms-by-category",
    "microenvironment-resistance",
    "alterations-hr-vs-her2",
    "biomarkers",
    "evidence-for",
    "conflicting-values",
    "maintenance-strategies",
    "drug-toxicities",
}


def example_params(example: str) -> dict[str, str]:
    """The --param values of a header's example invocation."""
    words = shlex.split(example)
    pairs = [words[i + 1] for i, word in enumerate(words[:-1]) if word in ("--param", "-p")]
    return dict(pair.split("=", 1) for pair in pairs)


def parse_param_cell(cell: str) -> dict[str, str]:
    return dict(part.strip().split("=", 1) for part in cell.split("|") if part.strip())


@cache
def _result(name: str, params: tuple[tuple[str, str], ...]) -> QueryResult:
    return execute(tpbc_kg.bundled_graph(), canned_query(name), dict(params))


def result(name: str, params: dict[str, str] | None = None) -> QueryResult:
    """The answer on the bundled graph, remembered: several cases and both engine tests read it."""
    return _result(name, tuple(sorted((params or {}).items())))


def answer(name: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """What ask() returns (rows of labels and values), from the remembered answer."""
    return to_dicts(tpbc_kg.bundled_graph(), result(name, params))


# ------------------------------------------------------------------------------------------------------
# Headers
# ------------------------------------------------------------------------------------------------------


def test_every_required_question_has_a_query():
    assert {q.name for q in QUERIES} >= REQUIRED_QUERIES


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_header_describes_the_query(query):
    for key in ("title", "question", "parameters", "columns", "example", "method"):
        assert query.header.get(key), f"{query.path.name} lacks '# {key}:'"
    assert query.example.startswith(f"tpbc-kg query {query.name}")
    assert set(example_params(query.example)) <= {p.name for p in query.parameters}
    assert query.list_columns <= set(query.columns)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_parameters_are_projected_variables_bound_in_patterns_only(query):
    """Oxigraph binds by substitution: a parameter must be a column and stay out of expressions."""
    select = query.text[query.text.index("SELECT") : query.text.index("WHERE")]
    for parameter in query.parameters:
        assert parameter.name in query.columns
        assert re.search(rf"\?{parameter.name}\b", select), f"?{parameter.name} is not projected"
        for expression in re.findall(r"(?:FILTER|BIND)\s*\((.*)", query.text):
            assert f"?{parameter.name} " not in expression + " ", f"?{parameter.name} used in {expression}"
        assert parameter.required or parameter.default is None or parameter.default


def test_parameter_syntax():
    assert parse_parameters("none") == []
    assert parse_parameters("trial (Study, required); endpoint (Endpoint, optional, default=median PFS)") == [
        Parameter("trial", "Study", True),
        Parameter("endpoint", "Endpoint", False, "median PFS"),
    ]
    with pytest.raises(QueryHeaderError, match="cannot read parameter"):
        parse_parameters("drug Drug required")


# ------------------------------------------------------------------------------------------------------
# Answers the sources support
# ------------------------------------------------------------------------------------------------------


def _read_cases() -> list[dict[str, str]]:
    with open(EXPECTATIONS, encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


CASES = _read_cases()


def _same(actual: Any, expected: str, is_list: bool) -> bool:
    if expected == "":
        return actual is None or actual == []
    if is_list:
        return actual == [expected]
    if isinstance(actual, bool):
        return str(actual) == expected
    if isinstance(actual, int | float | Decimal):
        return Decimal(str(actual)) == Decimal(expected)
    return actual == expected


def _contains(actual: Any, expected: str) -> bool:
    if isinstance(actual, list):
        return any(expected in item for item in actual)
    return actual is not None and expected in str(actual)


def _matches(row: dict[str, Any], match: str, list_columns: frozenset[str]) -> bool:
    for condition in filter(None, (c.strip() for c in match.split("&&"))):
        column, operator, expected = re.match(r"([a-z_0-9]+)\s*([=~])\s*(.*)$", condition).groups()
        assert column in row, f"no column {column!r} in {sorted(row)}"
        actual = row[column]
        if operator == "~" and not _contains(actual, expected):
            return False
        if operator == "=" and not _same(actual, expected, column in list_columns):
            return False
    return True


def test_every_query_has_expectations():
    assert {q.name for q in QUERIES} <= {case["query"] for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['case_id']} ({c['source'][:70]})")
def test_answer_the_sources_support(case):
    query = canned_query(case["query"])
    rows = answer(case["query"], parse_param_cell(case["params"]))
    matching = [row for row in rows if _matches(row, case["match"], query.list_columns)]
    expect = case["expect"]
    context = f"{case['source']}\n" + "\n".join(str(row) for row in rows[:40])
    if expect == "row":
        assert matching, f"no row matches {case['match']!r}; {context}"
    elif expect == "no-row":
        assert not matching, f"unexpected rows {matching}; {case['source']}"
    elif expect.startswith("count="):
        assert len(matching) == int(expect.split("=")[1]), context
    elif expect.startswith("rows="):
        assert len(rows) == int(expect.split("=")[1]), context
    else:
        pytest.fail(f"unknown expectation {expect!r}")


def test_trastuzumab_does_not_bypass_pten_loss_but_everolimus_does():
    """Review, PI3K/AKT/mTOR inhibitors: PTEN loss sits below HER2, so the HER2 antibody is bypassed."""
    rows = answer("drugs-bypassing-resistance", {"mechanism": "PTEN loss"})
    assert {r["drug"] for r in rows} == {"everolimus"}
    assert {r["status"] for r in rows} == {"stated", "inferred"}
    assert all(r["references"] and r["evidence"] for r in rows)


def test_triple_therapy_arms_are_exactly_the_four_of_table_2():
    rows = answer("triple-therapy-trials")
    assert {r["trial"] for r in rows} == {"monarcHER", "PATRICIA", "NA-PHER2", "LORDSHIPS"}


def test_chemotherapy_free_arms_receive_no_chemotherapy(graph):
    """Cross-check with the graph itself: no drug, component or payload of a listed arm is cytotoxic."""
    cytotoxic = {*graph.transitive_subjects(RDFS.subClassOf, TPBC.Chemotherapy), TPBC.ADCPayload}
    arms = set(execute(graph, canned_query("chemotherapy-free-regimens")).column("arm"))
    assert len(arms) >= 20
    for arm in arms:
        for drug in graph.objects(arm, TPBC.receivesRegimen / TPBC.includesDrug):
            parts = {
                drug,
                *graph.objects(drug, TPBC.hasActiveComponent),
                *graph.objects(drug, TPBC.hasPayload),
            }
            assert not {c for part in parts for c in graph.objects(part, RDF.type)} & cytotoxic, (arm, drug)


def test_best_arms_ranks_weeks_as_months_not_against_weeks():
    rows = answer("best-arms-by-endpoint", {"endpoint": "median OS"})
    assert {r["ranked_unit"] for r in rows} == {"months"}
    egf = {r["arm"]: r for r in rows if r["trial"] == "EGF100151"}
    assert egf["EGF100151, LC arm"]["rank"] < egf["EGF100151, capecitabine (C) arm"]["rank"]


# ------------------------------------------------------------------------------------------------------
# The same rows on every store
# ------------------------------------------------------------------------------------------------------

CROSS_ENGINE_CASES = [(q.name, example_params(q.example)) for q in QUERIES] + [
    ("drugs-bypassing-resistance", {"mechanism": "ER-HER2 signalling crosstalk"}),
    ("drugs-bypassing-resistance", {"mechanism": "TAM-secreted IL-8"}),
    ("drug-targets", {}),
    ("drug-toxicities", {}),
    ("trial-outcomes", {"trial": "NALA"}),
    ("best-arms-by-endpoint", {"endpoint": "median PFS", "setting": "metastatic first line"}),
    ("best-arms-by-endpoint", {"endpoint": "grade 3 or higher adverse event rate"}),
    ("resistance-mechanisms-for-drug", {"drug": "Phesgo"}),
    ("evidence-for", {"entity": "trastuzumab"}),
]


STORES = ("oxigraph", "persistent")  # each compared with rdflib's in-memory engine


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, Any]:
    """The bundled graph on in-memory Oxigraph and on an on-disk Oxigraph store: the asserted graph, as in
    result(), the rdflib answer the rows are compared with. (With the inferred triples too, rdflib takes
    a minute over one topology question; test_store checks that the stores `tpbc-kg query` opens hold
    the asserted and the inferred triples.)"""
    from tpbc_kg import store as kgstore

    graph = tpbc_kg.bundled_graph()
    from tpbc_kg import kb

    persistent = kb.open_kb(tmp_path_factory.mktemp("store") / "kg", asserted_only=True, say=None)
    return {
        "oxigraph": kgstore.OxigraphStore(kgstore.to_store(graph)),
        "persistent": persistent,
    }


def _normalised(term: Node | None) -> tuple[str, Any] | None:
    """A term as both engines must agree on it: numbers by value (engines print decimals differently),
    other literals by their text (Oxigraph may keep a language tag on a concatenation), IRIs as IRIs."""
    from rdflib.namespace import XSD  # imported here: pytest trips over the namespace at module level

    if term is None:
        return None
    if isinstance(term, Literal):
        if term.datatype in (XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.int, XSD.long):
            return ("number", Decimal(str(term.toPython())).quantize(Decimal("0.000001")))
        if term.datatype == XSD.boolean:
            return ("boolean", term.toPython())
        return ("text", str(term))
    return ("iri", str(term))


def _row_set(rows) -> list[tuple]:
    return sorted((tuple(_normalised(v) for v in row) for row in rows), key=repr)


def test_every_canned_query_is_compared_across_stores():
    assert {name for name, _ in CROSS_ENGINE_CASES} == {q.name for q in QUERIES}


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("name,params", CROSS_ENGINE_CASES, ids=lambda v: str(v))
def test_same_rows_on_every_store(stores, store, name, params):
    """The default store (Oxigraph) and the persistent one answer every canned query with the rows
    rdflib's in-memory engine gives, columns in the header's order."""
    query = canned_query(name)
    reference = result(name, params)  # rdflib's answer, remembered (the expectation cases read it too)
    answer = execute(stores[store], query, params)
    assert reference.vars == answer.vars == query.columns, "the # columns: header must list the variables"
    assert reference.rows, f"{name} {params} returned nothing"
    assert _row_set(answer.rows) == _row_set(reference.rows)


# ------------------------------------------------------------------------------------------------------
# Parameters: names, types and values that are only data
# ------------------------------------------------------------------------------------------------------

HOSTILE_VALUES = [
    'PTEN loss"} ; DROP ALL',
    "} ; DROP ALL ; {",
    '" . } DELETE WHERE { ?s ?p ?o } #',
    "<https://w3id.org/tpbc-kg/id/mech-pten-loss> } ; DROP ALL",
    "?mechanism",
    "'; DROP ALL ; '",
]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_values_are_unknown_names_and_leave_the_graph_alone(graph, value):
    size = len(graph)
    with pytest.raises(UnknownParameterValue) as error:
        ask("drugs-bypassing-resistance", graph, mechanism=value)
    assert error.value.parameter == "mechanism"
    assert len(graph) == size
    assert (None, None, None) in graph


@pytest.mark.parametrize(
    "type_name,value,expected",
    [
        ("Endpoint", "median PFS", TPBC.MedianPFS),
        ("Endpoint", "PFS", TPBC.MedianPFS),
        ("Endpoint", "MedianPFS", TPBC.MedianPFS),
        ("Endpoint", "tpbc:MedianPFS", TPBC.MedianPFS),
        ("Endpoint", "OS", TPBC.MedianOS),
        ("Endpoint", "ORR", TPBC.ORR),
        ("TreatmentSetting", "metastatic first line", TPBC.MetastaticFirstLine),
        ("TreatmentSetting", "MetastaticFirstLine", TPBC.MetastaticFirstLine),
        ("ResistanceCategory", "epigenetic", TPBC.EpigeneticResistance),
        ("ResistanceCategory", "Tumour Microenvironment", TPBC.TumourMicroenvironmentResistance),
        ("ResistanceCategory", "EMT", TPBC.EMTResistance),
        ("DrugClass", "CDK4/6 inhibitor", TPBC.CDK46Inhibitor),
        ("DrugClass", "endocrine agent", TPBC.EndocrineAgent),
        ("DrugClass", "TKI", TPBC.TyrosineKinaseInhibitor),
        ("DrugClass", "AI", TPBC.AromataseInhibitor),
        ("Drug", "HERCEPTIN", KG["drug-trastuzumab"]),
        ("Drug", "DRUGBANK:DB00072", KG["drug-trastuzumab"]),
        ("Drug", str(KG["drug-lapatinib"]), KG["drug-lapatinib"]),
        ("ResistanceMechanism", "PTEN loss", KG["mech-pten-loss"]),
        ("Study", "NCT01491737", KG["trial-PERTAIN"]),
    ],
)
def test_values_resolve_by_label_synonym_curie_or_iri(graph, type_name, value, expected):
    assert resolve_value(graph, Parameter("p", type_name, True), value) == expected


def test_unknown_value_lists_close_matches(graph):
    with pytest.raises(UnknownParameterValue) as error:
        ask("resistance-mechanisms-for-drug", graph, drug="pertuzumabb")
    assert "pertuzumab" in error.value.suggestions
    assert "parameter drug" in str(error.value) and "did you mean" in str(error.value)


def test_a_value_of_another_type_is_unknown(graph):
    with pytest.raises(UnknownParameterValue, match="no drug is called"):
        ask("resistance-mechanisms-for-drug", graph, drug="tpbc:MedianPFS")


def test_ambiguous_value_lists_the_candidates(graph):
    with pytest.raises(AmbiguousParameterValue) as error:
        ask("evidence-for", graph, entity="PTEN loss")
    assert {curie for curie, _ in error.value.candidates} == {"kg:alt-PTEN-loss", "kg:mech-pten-loss"}


def test_unknown_and_missing_parameters_are_errors(graph):
    with pytest.raises(ParameterError, match="has no parameter 'drugg'"):
        ask("drug-targets", graph, drugg="lapatinib")
    with pytest.raises(ParameterError, match="needs --param mechanism"):
        ask("drugs-bypassing-resistance", graph)


def test_unknown_query_suggests_close_names(graph):
    with pytest.raises(UnknownQuery, match="drugs-by-class"):
        ask("drugs-by-klass", graph, **{"class": "TKI"})
    with pytest.raises(UnknownQuery):
        canned_query("../qc/missing-label")


# ------------------------------------------------------------------------------------------------------
# The Python API
# ------------------------------------------------------------------------------------------------------


def test_ask_rows_are_labels_values_and_lists():
    rows = answer("trial-outcomes", {"trial": "CLEOPATRA", "endpoint": "median PFS"})
    row = next(r for r in rows if r["value"] == Decimal("18.7"))
    assert row["trial"] == "CLEOPATRA"
    assert row["endpoint"] == "median progression-free survival"
    assert isinstance(row["value"], Decimal)
    assert row["timepoint_years"] is None
    listed = answer("drugs-bypassing-resistance", {"mechanism": "PTEN loss"})[0]["references"]
    assert isinstance(listed, list) and listed == sorted(listed, key=str.casefold)


def test_ask_also_gives_sparql_json(graph):
    from rdflib.namespace import XSD

    rows, document = ask("drugs-by-class", graph, sparql_json=True, **{"class": "CDK4/6 inhibitor"})
    assert document["head"]["vars"] == canned_query("drugs-by-class").columns
    assert len(document["results"]["bindings"]) == len(rows) == 5
    first = document["results"]["bindings"][0]
    assert first["class"] == {"type": "uri", "value": str(TPBC.CDK46Inhibitor)}
    assert first["unspecified"]["datatype"] == str(XSD.boolean)


def test_ask_runs_on_any_graph():
    """A graph without trials answers with no rows rather than failing."""
    small = Graph()
    for triple in tpbc_kg.bundled_graph().triples((None, None, None)):
        if str(triple[0]).startswith(str(TPBC._NS)):
            small.add(triple)
    assert ask("triple-therapy-trials", small) == []


# ------------------------------------------------------------------------------------------------------
# conflicting-values finds disagreements no Discrepancy records yet
# ------------------------------------------------------------------------------------------------------

_UNRECORDED_CONFLICTS = """
@prefix tpbc: <https://w3id.org/tpbc-kg/ontology#> .
@prefix kg: <https://w3id.org/tpbc-kg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
kg:trial-X a tpbc:ClinicalTrial ; rdfs:label "X" ; tpbc:sampleSize 100 , 120 .
kg:st-x-n1 a tpbc:Statement ; tpbc:claimSubject kg:trial-X ; tpbc:claimPredicate tpbc:sampleSize ;
    tpbc:claimValue 100 ; tpbc:supportedBy kg:ref-001 .
kg:st-x-n2 a tpbc:Statement ; tpbc:claimSubject kg:trial-X ; tpbc:claimPredicate tpbc:sampleSize ;
    tpbc:claimValue 120 ; tpbc:supportedBy kg:ref-002 .
kg:o1 a tpbc:Outcome ; tpbc:forArm kg:arm-X-A ; tpbc:measuresEndpoint tpbc:MedianOS ; tpbc:value 10.0 ;
    tpbc:hasUnit tpbc:Months ; tpbc:supportedBy kg:ref-001 .
kg:o2 a tpbc:Outcome ; tpbc:forArm kg:arm-X-A ; tpbc:measuresEndpoint tpbc:MedianOS ; tpbc:value 11.0 ;
    tpbc:hasUnit tpbc:Months ; tpbc:supportedBy kg:ref-002 .
kg:o3 a tpbc:Outcome ; tpbc:forArm kg:arm-X-A ; tpbc:measuresEndpoint tpbc:MedianOS ; tpbc:value 12.0 ;
    tpbc:hasUnit tpbc:Months ; tpbc:subgroup "HR-positive" ; tpbc:supportedBy kg:ref-002 .
"""


def test_conflicting_values_finds_unrecorded_sample_sizes_and_outcomes():
    graph = Graph().parse(data=_UNRECORDED_CONFLICTS, format="turtle")
    result = execute(graph, canned_query("conflicting-values"))
    pairs = {(str(row[0]).rsplit("/", 1)[-1], str(row[3])) for row in result.rows}
    assert {("trial-X", "100"), ("trial-X", "120"), ("arm-X-A", "10.0"), ("arm-X-A", "11.0")} <= pairs
    assert ("arm-X-A", "12.0") not in pairs, "a subgroup value is not a conflict"
