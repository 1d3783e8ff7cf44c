"""Reasoning: HermiT's verdict on the bundled graph, injected contradictions explained in words, the
expected inferences (tests/data/reason/expected-inferences.tsv, one case per row) and the fast path's
agreement with HermiT.

HermiT tests depend on the `java` fixture: they run when Java is found and FAIL, saying how to get
Java, when it is not (Java is expected here and in CI). HermiT runs a few seconds per graph, so the
bundled graph is checked once per session.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef

from tpbc_kg import reason
from tpbc_kg.cli_reason import REASON_COMMAND
from tpbc_kg.errors import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK
from tpbc_kg.load import InputError, load_schema
from tpbc_kg.namespace import KG, TPBC
from tpbc_kg.paths import ontology_dir

pytestmark = pytest.mark.xdist_group("hermit")  # share the session HermiT runs

DATA = Path(__file__).resolve().parent / "data" / "reason"
PREFIXES = {"kg": str(KG), "tpbc": str(TPBC._NS), "rdf": str(RDF)}


def _iri(curie: str) -> URIRef:
    prefix, local = curie.split(":", 1)
    return URIRef(PREFIXES[prefix] + local)


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _copy(graph: Graph, *files: Path) -> Graph:
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    for path in files:
        copy.parse(path, format="turtle")
    return copy


# --- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def java() -> str:
    """The Java runtime HermiT needs; a clear failure (not a skip) when there is none."""
    try:
        return reason.find_java()
    except reason.JavaNotFoundError as error:
        pytest.fail(f"the HermiT tests need Java: {error}")


@pytest.fixture(scope="session")
def core() -> Graph:
    """Schema plus the genes and drugs modules: context enough for the injected contradictions, and
    HermiT checks it in a third of the time the whole graph takes."""
    graph = load_schema()
    for module in ("genes", "drugs"):
        graph.parse(ontology_dir() / "data" / f"{module}.ttl", format="turtle")
    return graph


@pytest.fixture(scope="session")
def bundled_verdict(graph: Graph, java: str) -> reason.ReasoningReport:
    return reason.check_hermit(graph, java)


@pytest.fixture(scope="session")
def hermit_materialized(graph: Graph, java: str) -> reason.ReasoningReport:
    return reason.check_hermit(graph, java, materialize=True)


@pytest.fixture(scope="session")
def fast(graph: Graph) -> Graph:
    """What OWL 2 RL (reasonable) and the rules infer from the bundled graph."""
    return reason.inferred_graph(graph)


@pytest.fixture(scope="session")
def entailed(graph: Graph, fast: Graph) -> Graph:
    """Asserted plus inferred (types closed under the class hierarchy): what queries see."""
    return _copy(graph) + fast


# --- HermiT's verdict --------------------------------------------------------------------------------


def test_bundled_graph_is_consistent_and_coherent(bundled_verdict):
    assert bundled_verdict.consistent, reason.render_report(bundled_verdict)
    assert bundled_verdict.unsatisfiable == ()


def test_materialising_run_agrees_the_graph_is_consistent(hermit_materialized):
    assert hermit_materialized.consistent, reason.render_report(hermit_materialized)


CONTRADICTIONS = [
    pytest.param(
        "gene-and-drug.ttl",
        "kg:drug-fixture-x is typed both drug (Drug) and gene (Gene), which the ontology declares disjoint",
        id="gene-and-drug",
    ),
    pytest.param(
        "chemo-free-with-docetaxel.ttl",
        "kg:regimen-fixture-docetaxel_trastuzumab is declared chemotherapy-free regimen "
        "(ChemotherapyFreeRegimen), whose includes drug (includesDrug) values may not be chemotherapy "
        "(Chemotherapy), but it includes drug docetaxel (kg:drug-docetaxel), which is chemotherapy "
        "(Chemotherapy) because it is typed taxane (Taxane), a kind of chemotherapy (Chemotherapy)",
        id="chemotherapy-free-with-docetaxel",
    ),
    pytest.param(
        "gene-as-regimen-drug.ttl",
        "kg:gene-ERBB2 is both drug (Drug) and gene (Gene), which the ontology declares disjoint "
        "(drug (Drug): fixture regimen listing a gene (kg:regimen-fixture-erbb2) has it as includes drug "
        "(includesDrug), whose values the ontology declares to be drug (Drug))",
        id="gene-listed-as-a-regimen-drug",
    ),
    pytest.param(
        "lang-tagged-string.ttl",
        'kg:outcome-fixture-x has time point label (timepointLabel) "baseline"@en, a language-tagged text, '
        "but the ontology declares its values plain strings (xsd:string); drop the language tag",
        id="language-tagged-string",
    ),
]


@pytest.mark.parametrize("fixture, message", CONTRADICTIONS)
def test_hermit_catches_injected_contradiction_and_it_is_explained(core, java, fixture, message):
    report = reason.check_hermit(_copy(core, DATA / fixture), java)
    assert not report.consistent
    assert [p.message for p in report.problems] == [message]


@pytest.mark.parametrize("fixture, message", CONTRADICTIONS)
def test_rules_catch_the_same_contradictions(graph, fixture, message):
    report = reason.check_rules(_copy(graph, DATA / fixture))  # the whole graph: rules are fast
    assert [p.message for p in report.problems] == [message]


def test_unsatisfiable_class_is_reported_in_words(core, java):
    report = reason.check_hermit(_copy(core, DATA / "unsatisfiable-class.ttl"), java)
    assert report.consistent and not report.ok
    assert [p.message for p in report.unsatisfiable] == [
        "<https://example.org/fixture#GeneDrug> is declared a kind of both drug (Drug) and gene (Gene), "
        "which the ontology declares disjoint, so nothing can belong to it"
    ]


# --- expected inferences -----------------------------------------------------------------------------


def _subjects(graph: Graph, curie: str) -> list[URIRef]:
    """A regimen or drug as given, or the regimens an arm receives."""
    node = _iri(curie)
    if (node, RDF.type, TPBC.TrialArm) in graph:
        return sorted(graph.objects(node, TPBC.receivesRegimen))
    return [node]


@pytest.mark.parametrize(
    "row", _rows("expected-inferences.tsv"), ids=lambda row: f"{row['case']}-{row['expected']}"
)
def test_expected_inference(entailed, row):
    subjects = _subjects(entailed, row["subject"])
    assert subjects, f"{row['subject']} is not in the graph"
    predicate, obj = _iri(row["predicate"]), _iri(row["object"])
    holds = [s for s in subjects if (s, predicate, obj) in entailed]
    if row["expected"] == "yes":
        assert holds, f"{row['case']}: expected {row['predicate']} {row['object']} ({row['note']})"
    else:
        assert not holds, f"{row['case']}: {holds} should not be {row['object']} ({row['note']})"


@pytest.mark.parametrize(
    "arm",
    ["kg:arm-monarcHER-A", "kg:arm-PATRICIA-B", "kg:arm-NA-PHER2-TPPF", "kg:arm-LORDSHIPS-DPL"],
)
def test_triple_therapy_is_recognised_from_the_drugs_alone(graph, arm):
    stripped = _copy(graph)
    stripped.remove((None, RDF.type, TPBC.TripleTherapyRegimen))
    regimens = _subjects(stripped, arm)
    inferred = reason.inferred_graph(stripped)
    assert all((r, RDF.type, TPBC.TripleTherapyRegimen) in inferred for r in regimens)


# --- the fast path -----------------------------------------------------------------------------------


def _class_assertions(graph: Graph) -> set[tuple[str, str]]:
    return {(str(s), str(o)) for s, o in graph.subject_objects(RDF.type)}


def _property_assertions(graph: Graph) -> set[tuple[str, str, str]]:
    return {(str(s), str(p), str(o)) for s, p, o in graph if p != RDF.type}


def _known(pairs: set) -> set:
    known = {(str(_iri(a)), str(_iri(b))) for a, b in reason.KNOWN_DIFFERENCES}
    return {p for p in pairs if (p[0], p[1]) not in known}


def test_fast_path_infers_hermits_class_assertions(fast, hermit_materialized):
    hermit = hermit_materialized.inferred
    only_hermit = _known(_class_assertions(hermit) - _class_assertions(fast))
    only_fast = _known(_class_assertions(fast) - _class_assertions(hermit))
    assert not only_hermit and not only_fast, "add each difference, with its reason, to KNOWN_DIFFERENCES"


def test_fast_path_infers_hermits_property_assertions(fast, hermit_materialized):
    hermit = hermit_materialized.inferred
    assert _known(_property_assertions(hermit) ^ _property_assertions(fast)) == set()


def test_known_differences_say_why():
    assert all(len(why.split()) >= 5 for why in reason.KNOWN_DIFFERENCES.values())


def test_inferred_graph_holds_only_new_unclaimed_triples(graph, fast):
    claim_bearing = set(graph.subjects(TPBC.claimBearing, Literal(True)))
    assert (_iri("kg:drug-tucatinib"), RDF.type, TPBC.HER2TargetedDrug) in fast
    assert not [t for t in fast if t in graph]
    assert not [p for p in fast.predicates() if p in claim_bearing]
    assert all(isinstance(s, URIRef) and isinstance(o, URIRef) for s, _, o in fast)


BEFORE = DATA / "inferred-by-the-home-made-engine.nt"
"""What the home-made OWL RL engine (replaced by `reasonable` + queries/rules/) inferred from the bundled
graph at its last commit: the replacement must infer all of it."""


def test_reasonable_and_rules_infer_everything_the_old_engine_did(fast):
    before = Graph().parse(BEFORE, format="nt")
    assert set(before) - set(fast) == set()


def test_what_the_old_engine_did_not_report_is_only_the_closure_of_types(graph, fast):
    """The intended difference: the inferred graph now also holds every superclass of every asserted type
    (so `?x a tpbc:Drug` answers); the old engine reported only defined and closed-world classes."""
    before = Graph().parse(BEFORE, format="nt")
    told_types: dict[URIRef, set[URIRef]] = {}
    for node, cls in graph.subject_objects(RDF.type):
        told_types.setdefault(node, set()).add(cls)
    for s, p, o in set(fast) - set(before):
        assert p == RDF.type, (s, p, o)
        assert any(o in graph.transitive_objects(t, RDFS.subClassOf) for t in told_types.get(s, ())), (s, o)


def test_abox_alone_is_reasoned_with_the_schema():
    entry = Graph().parse(DATA / "gene-and-drug.ttl", format="turtle")
    assert reason.check_rules(entry).problems


# --- Java and the command line -----------------------------------------------------------------------


def test_missing_java_is_a_clear_error(tmp_path):
    with pytest.raises(reason.JavaNotFoundError, match="JAVA_HOME") as caught:
        reason.find_java({"PATH": str(tmp_path)})
    assert "install" in str(caught.value)
    with pytest.raises(reason.JavaNotFoundError, match="not an executable"):
        reason.find_java({"JAVA_HOME": str(tmp_path), "PATH": ""})


def _run(args: list[str]) -> int:
    return REASON_COMMAND.main(args=args, prog_name="tpbc-kg reason", standalone_mode=False)


def test_cli_without_java_exits_2(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert _run([]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "needs Java" in err and "JAVA_HOME" in err


def test_cli_reports_an_injected_contradiction_and_exits_1(monkeypatch, core, java, capsys):
    monkeypatch.setattr(reason, "load", lambda: _copy(core))  # the entry file is still parsed
    assert _run([str(DATA / "gene-and-drug.ttl")]) == EXIT_CHECK_FAILED
    out = capsys.readouterr().out
    assert "INCONSISTENT" in out and "kg:drug-fixture-x is typed both drug (Drug) and gene (Gene)" in out


def test_cli_consistent_graph_exits_0(monkeypatch, core, java, capsys):
    monkeypatch.setattr(reason, "load", lambda: _copy(core))
    assert _run([]) == EXIT_OK
    assert "is consistent" in capsys.readouterr().out


def test_cli_materializes_only_new_triples(monkeypatch, graph, tmp_path, capsys):
    monkeypatch.setattr(reason, "load_graph", lambda files: graph)
    target = tmp_path / "inferred.ttl"
    assert _run(["--engine", "rules", "--materialize", "-o", str(target)]) == EXIT_OK
    written = Graph().parse(target, format="turtle")
    assert (_iri("kg:drug-tucatinib"), RDF.type, TPBC.HER2TargetedDrug) in written
    assert not [t for t in written if t in graph]


def test_cli_writes_nothing_for_an_inconsistent_graph(tmp_path, capsys):
    target = tmp_path / "inferred.ttl"
    args = ["--engine", "rules", "--materialize", "-o", str(target), str(DATA / "gene-and-drug.ttl")]
    assert _run(args) == EXIT_CHECK_FAILED
    assert not target.exists() and "nothing written" in capsys.readouterr().err


def test_cli_entry_with_a_syntax_error_names_file_and_line():
    with pytest.raises(InputError) as caught:
        _run(["--engine", "rules", str(DATA / "syntax-error.ttl")])
    assert caught.value.line == 6 and "syntax-error.ttl" in str(caught.value)


def test_cli_materialize_needs_an_output_file():
    with pytest.raises(Exception, match="needs -o FILE"):
        _run(["--materialize"])


@pytest.mark.parametrize(
    "query, expected",
    [
        ("SELECT ?x WHERE { ?x a tpbc:HER2TargetedDrug }", "drug-tucatinib"),
        (
            "SELECT ?x WHERE { kg:arm-monarcHER-A tpbc:receivesRegimen ?x . ?x a tpbc:TripleTherapyRegimen }",
            "regimen-abemaciclib_fulvestrant_trastuzumab",
        ),
    ],
    ids=["tucatinib-HER2-targeted", "monarcHER-A-triple-therapy"],
)
def test_queries_see_inferred_classes(query, expected):
    """Issue 5: the graph the canned queries run on carries the reasoner's inferences."""
    from tpbc_kg import api

    prefixes = (
        "PREFIX tpbc: <https://w3id.org/tpbc-kg/ontology#>\nPREFIX kg: <https://w3id.org/tpbc-kg/id/>\n"
    )
    found = {str(row[0]).rsplit("/", 1)[-1] for row in api.query_graph().query(prefixes + query)}
    assert expected in found


def test_exports_include_inferences_only_when_asked():
    from tpbc_kg import api
    from tpbc_kg.namespace import KG, TPBC

    inferred = (KG["drug-tucatinib"], RDF.type, TPBC.HER2TargetedDrug)
    assert inferred in api.inferred_triples()
    assert inferred not in api.bundled_graph()
    assert "HER2TargetedDrug" in api.export_text("nt", inferred=True)
    assert str(TPBC.HER2TargetedDrug) not in {
        line.split()[2].strip("<>") for line in api.export_text("nt").splitlines() if "drug-tucatinib" in line
    }
