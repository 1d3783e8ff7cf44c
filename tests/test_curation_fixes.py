"""Curation second pass (issue 12): every corrected claim, one case per row of
tests/data/curation-fixes.tsv, each naming the place in the source it was checked against.

Checks (column `check`):
- no-triple: the asserted triple subject-predicate-object is gone (a claim beyond its sentence).
- triple: the asserted triple holds.
- claim: the triple holds and exactly one Statement records it.
- cites: object is `claimed -> cited`; every Statement of subject-predicate-claimed that the review
  reports cites `cited` only.
- one-claim: exactly one Statement records subject-predicate-object (duplicates merged).
- one-finding: exactly one Finding (or qualitative result) is about the subject with the given
  predicate-object.
- evidence-type: every claim citing the reference (subject) carries the evidence type (object).
- label: the node's rdfs:label is the object text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.term import Node

from tpbc_kg.namespace import TPBC

TPBC_KG_REVIEW = URIRef("https://w3id.org/tpbc-kg/id/source-review")
CASES = Path(__file__).resolve().parent / "data" / "curation-fixes.tsv"


def _rows() -> list[dict[str, str]]:
    with CASES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _node(graph: Graph, text: str) -> Node:
    if ":" in text and not text.startswith("<") and " " not in text:
        prefix = text.split(":", 1)[0]
        if prefix in dict(graph.namespaces()):
            return graph.namespace_manager.expand_curie(text)
    if text in ("true", "false"):
        return Literal(text == "true")
    try:
        return Literal(float(text)) if "." in text else Literal(int(text))
    except ValueError:
        return Literal(text)


def _same(graph: Graph, a: Node, b: Node) -> bool:
    if isinstance(a, Literal) and isinstance(b, Literal):
        try:
            return a.toPython() == b.toPython() or str(a) == str(b)
        except (TypeError, ValueError):  # odd literals compare as text
            return str(a) == str(b)
    return a == b


def _statements(graph: Graph, subject: Node, predicate: Node) -> Iterator[Node]:
    for statement in graph.subjects(TPBC.claimSubject, subject):
        if (statement, TPBC.claimPredicate, predicate) in graph and (
            statement,
            RDF.type,
            TPBC.Statement,
        ) in graph:
            yield statement


def _objects_of_claim(graph: Graph, statement: Node) -> list[Node]:
    return [
        o
        for p in (TPBC.claimObject, TPBC.claimValue, TPBC.claimObjectClass)
        for o in graph.objects(statement, p)
    ]


def _has_triple(graph: Graph, s: Node, p: Node, o: Node) -> bool:
    return any(_same(graph, value, o) for value in graph.objects(s, p))


@pytest.mark.parametrize("case", _rows(), ids=lambda c: c["case_id"])
def test_curation_fix(graph: Graph, case: dict[str, str]) -> None:
    assert case["source_section"].strip(), "every case names the place in the source it was checked against"
    subject = _node(graph, case["subject"])
    predicate = _node(graph, case["predicate"]) if case["predicate"] else None
    claimed, _, cited = case["object"].partition(" -> ")
    obj = _node(graph, cited or claimed)
    check = case["check"]
    where = f"({case['source_section']}: {case['why']})"
    if check == "no-triple":
        assert not _has_triple(graph, subject, predicate, obj), f"{case['subject']} still asserts it {where}"
        assert not [s for s in _statements(graph, subject, predicate) if obj in _objects_of_claim(graph, s)]
    elif check == "triple":
        assert _has_triple(graph, subject, predicate, obj), where
    elif check in ("claim", "one-claim"):
        obj = _node(graph, claimed)
        if check == "claim":
            assert _has_triple(graph, subject, predicate, obj), where
        claims = [
            s
            for s in _statements(graph, subject, predicate)
            if any(_same(graph, o, obj) for o in _objects_of_claim(graph, s))
        ]
        if cited:  # count the claims of one reference (another source may state it too)
            claims = [s for s in claims if (s, TPBC.supportedBy, _node(graph, cited)) in graph]
        assert len(claims) == 1, f"{len(claims)} statements record it {where}: {claims}"
    elif check == "cites":
        value = _node(graph, claimed)
        statements = [
            s
            for s in _statements(graph, subject, predicate)
            if any(_same(graph, o, value) for o in _objects_of_claim(graph, s))
            and (s, TPBC.reportedIn, TPBC_KG_REVIEW) in graph
        ]
        assert statements, f"no statement on {case['subject']} {case['predicate']} {claimed}"
        for statement in statements:
            assert set(graph.objects(statement, TPBC.supportedBy)) == {obj}, f"{statement} {where}"
            assert (statement, TPBC.hasEvidenceType, TPBC.ReviewStatementEvidence) in graph
    elif check == "one-finding":
        findings = [
            f
            for f in graph.subjects(TPBC.aboutEntity, subject)
            if set(graph.objects(f, RDF.type)) & {TPBC.Finding, TPBC.QualitativeResult}
            and _has_triple(graph, f, predicate, obj)
        ]
        assert len(findings) == 1, f"{len(findings)} findings {where}: {findings}"
    elif check == "evidence-type":
        claims = set(graph.subjects(TPBC.supportedBy, subject))
        assert claims, f"nothing cites {case['subject']}"
        types = {t for c in claims for t in graph.objects(c, TPBC.hasEvidenceType)}
        assert types == {obj}, f"{case['subject']} claims carry {sorted(map(str, types))} {where}"
        assert (subject, TPBC.studyDesign, obj) in graph, "the reference records its study design"
    elif check == "label":
        assert str(graph.value(subject, RDFS.label)) == case["object"], where
    else:  # pragma: no cover - a typo in the table
        pytest.fail(f"unknown check {check!r}")


def test_every_check_kind_is_used() -> None:
    """The table exercises each kind of fix the issue lists (so a kind cannot silently drop out)."""
    kinds = {row["check"] for row in _rows()}
    assert {"no-triple", "cites", "one-claim", "one-finding", "evidence-type", "label"} <= kinds


def test_cases_name_existing_nodes(graph: Graph) -> None:
    for row in _rows():
        subject = _node(graph, row["subject"])
        assert isinstance(subject, URIRef) and (subject, None, None) in graph, row["case_id"]
