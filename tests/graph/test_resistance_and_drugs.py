"""The resistance section (mechanism -> drug resisted, genes and cells involved, what overcomes it) and
drug facts (targets, classes, routes, payloads), case by case from tests/data/expected/."""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS

from tests.graph.expectations import case_id, kg, read_rows, references, term
from tpbc_kg.namespace import TPBC

RESISTANCE = read_rows("resistance_facts.csv")
DRUGS = read_rows("drug_facts.csv")

_RESISTANCE_PREDICATES = {
    "resists_drug": TPBC.confersResistanceTo,
    "involves": TPBC.involves,
    "overcome_by": TPBC.overcomeBy,
    "activates_pathway": TPBC.activatesPathway,
}


def _involved(graph, mechanism):
    subs = set(graph.transitive_subjects(RDFS.subPropertyOf, TPBC.involves))
    return {o for p in subs for o in graph.objects(mechanism, p)}


def _statement_refs(graph, subject, obj):
    refs = set()
    for st in graph.subjects(TPBC.claimSubject, subject):
        objects = set(graph.objects(st, TPBC.claimObject)) | set(graph.objects(st, TPBC.claimObjectClass))
        if obj in objects:
            refs |= set(graph.objects(st, TPBC.supportedBy))
    return refs


@pytest.mark.parametrize("fact", RESISTANCE, ids=case_id)
def test_resistance_fact(graph, fact):
    mechanism = kg(fact["mechanism"])
    where = f"{fact['location']} ({fact['case_id']})"
    assert (mechanism, RDF.type, TPBC.ResistanceMechanism) in graph, f"{where}: {mechanism} missing"
    kind = fact["fact"]
    if kind == "resists_class":
        obj = term(fact["object"])
        assert obj in set(graph.objects(mechanism, TPBC.confersResistanceToClass)), (
            f"{where}: does not resist {obj}"
        )
    elif kind == "involves":
        obj = kg(fact["object"])
        assert obj in _involved(graph, mechanism), f"{where}: {obj} not involved"
    elif kind in _RESISTANCE_PREDICATES:
        obj = kg(fact["object"])
        assert obj in set(graph.objects(mechanism, _RESISTANCE_PREDICATES[kind])), f"{where}: no {kind} {obj}"
    else:
        pytest.fail(f"{where}: unknown fact kind {kind!r}")
    if fact["reference"] and kind != "activates_pathway":
        obj = term(fact["object"]) if kind == "resists_class" else kg(fact["object"])
        refs = _statement_refs(graph, mechanism, obj)
        assert references(fact["reference"]) & refs, (
            f"{where}: the link does not cite ref {fact['reference']}"
        )


@pytest.mark.parametrize("fact", DRUGS, ids=case_id)
def test_drug_fact(graph, fact):
    drug = kg(fact["drug"])
    where = f"{fact['location']} ({fact['case_id']})"
    kind = fact["fact"]
    if kind == "targets":
        assert kg(fact["object"]) in set(graph.objects(drug, TPBC.targets)), (
            f"{where}: no target {fact['object']}"
        )
    elif kind == "not_targets":
        assert kg(fact["object"]) not in set(graph.objects(drug, TPBC.targets)), (
            f"{where}: must not target it"
        )
    elif kind == "class":
        classes = {
            c for t in graph.objects(drug, RDF.type) for c in graph.transitive_objects(t, RDFS.subClassOf)
        }
        assert term(fact["object"]) in classes, f"{where}: not a {fact['object']}"
    elif kind == "route":
        assert term(fact["object"]) in set(graph.objects(drug, TPBC.hasRoute)), f"{where}: route missing"
    elif kind == "payload":
        assert kg(fact["object"]) in set(graph.objects(drug, TPBC.hasPayload)), f"{where}: payload missing"
    else:
        pytest.fail(f"{where}: unknown fact kind {kind!r}")
    if fact["reference"] and kind == "targets":
        refs = _statement_refs(graph, drug, kg(fact["object"]))
        assert references(fact["reference"]) & refs, (
            f"{where}: the target claim does not cite ref {fact['reference']}"
        )


def test_trastuzumab_does_not_bypass_pten_loss(graph):
    assert kg("drug-trastuzumab") not in set(graph.objects(kg("mech-pten-loss"), TPBC.overcomeBy))
    assert kg("drug-trastuzumab") in set(graph.objects(kg("mech-pten-loss"), TPBC.confersResistanceTo))
