"""Every trial row of Tables 1 and 2 (and the numbers printed in the text and commentary): sample size,
HR-positive count, each arm's drugs and each outcome value with its unit, arm and reference.
The expectations (tests/data/expected/trial_facts.csv) name the table row each case checks."""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS

from tests.graph.expectations import (
    ArmIndex,
    case_id,
    kg,
    read_rows,
    reference,
    references,
    same_number,
    term,
)
from tpbc_kg.namespace import TPBC

FACTS = read_rows("trial_facts.csv")


def _outcomes(graph, study):
    return list(graph.subjects(TPBC.outcomeOf, study))


def _matches(graph, outcome, fact, arms) -> bool:
    if graph.value(outcome, TPBC.measuresEndpoint) != term(fact["endpoint"]):
        return False
    if graph.value(outcome, TPBC.hasUnit) != term(fact["unit"]):
        return False
    value = graph.value(outcome, TPBC.value)
    if value is None or not same_number(value, fact["value"]):
        return False
    if fact["arm_drugs"] and not (set(graph.objects(outcome, TPBC.forArm)) & arms):
        return False
    if fact["timepoint_years"]:
        timepoint = graph.value(outcome, TPBC.timepointYears)
        if timepoint is None or not same_number(timepoint, fact["timepoint_years"]):
            return False
    if fact["subgroup"]:
        words = " ".join(
            [str(graph.value(outcome, TPBC.subgroup) or "")]
            + [str(graph.value(ae, RDFS.label)) for ae in graph.objects(outcome, TPBC.concernsAdverseEffect)]
        ).casefold()
        if fact["subgroup"].casefold() not in words:
            return False
    cited = set(graph.objects(outcome, TPBC.supportedBy))
    return not fact["reference"] or bool(references(fact["reference"]) & cited)


@pytest.mark.parametrize("fact", FACTS, ids=case_id)
def test_trial_fact(graph, fact):
    study = kg(fact["trial"])
    where = f"{fact['location']} ({fact['case_id']})"
    assert (study, None, None) in graph, f"{where}: {study} is not in the graph"
    kind = fact["fact"]
    if kind == "sample_size":
        sizes = {int(n) for n in graph.objects(study, TPBC.sampleSize)}
        assert int(fact["value"]) in sizes, f"{where}: sample size {fact['value']} not among {sizes}"
    elif kind == "hr_positive_count":
        counts = {int(n) for n in graph.objects(study, TPBC.hrPositiveCount)}
        assert int(fact["value"]) in counts, f"{where}: HR+ count {fact['value']} not among {counts}"
    elif kind == "arm_drugs":
        index = ArmIndex.of(graph, study)
        assert index.with_drugs(fact["arm_drugs"]), (
            f"{where}: no arm with {fact['arm_drugs']}; arms: {index.describe()}"
        )
    elif kind == "outcome":
        arms = ArmIndex.of(graph, study).with_drugs(fact["arm_drugs"]) if fact["arm_drugs"] else set()
        if fact["arm_drugs"]:
            assert arms, f"{where}: no arm with {fact['arm_drugs']}"
        found = [o for o in _outcomes(graph, study) if _matches(graph, o, fact, arms)]
        arm = fact["arm_drugs"] or "the study"
        cited = f" citing ref {fact['reference']}" if fact["reference"] else ""
        assert found, (
            f"{where}: no outcome {fact['endpoint']} = {fact['value']} {fact['unit']} for {arm}{cited}"
        )
    else:
        pytest.fail(f"{where}: unknown fact kind {kind!r}")


def test_cleopatra_keeps_both_pfs_values_with_their_references(graph):
    values = {}
    for outcome in _outcomes(graph, kg("trial-CLEOPATRA")):
        if graph.value(outcome, TPBC.measuresEndpoint) == TPBC.MedianPFS:
            for ref in graph.objects(outcome, TPBC.supportedBy):
                values.setdefault(str(graph.value(outcome, TPBC.value)), set()).add(ref)
    assert reference("30") in values["18.7"] and reference("66") in values["18.5"]


def test_pertain_keeps_both_sample_sizes_and_a_discrepancy(graph):
    pertain = kg("trial-PERTAIN")
    assert {int(n) for n in graph.objects(pertain, TPBC.sampleSize)} == {129, 258}
    discrepancies = [
        d for d in graph.subjects(TPBC.aboutEntity, pertain) if (d, RDF.type, TPBC.Discrepancy) in graph
    ]
    assert discrepancies, "the 129 vs 258 disagreement is recorded as a tpbc:Discrepancy"


def test_phase1_triplet_keeps_the_texts_vincristine_beside_the_titles_vinorelbine(graph):
    """Ambiguity 5: arms follow the ref 60 title (vinorelbine); the text's vincristine stays on record."""
    study = kg("trial-everolimus-vinorelbine-phase1")
    assert ArmIndex.of(graph, study).with_drugs("drug-everolimus;drug-trastuzumab;drug-vinorelbine")
    about = {s for s in graph.subjects(TPBC.aboutEntity, kg("drug-vincristine"))}
    assert about & set(graph.subjects(TPBC.aboutEntity, study))
