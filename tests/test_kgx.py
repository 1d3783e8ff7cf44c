"""KGX nodes/edges checked offline against the Biolink model YAML shipped in the `biolink-model`
package: every category is a Biolink class, every predicate a Biolink predicate (a descendant of
related_to), the required columns are filled, and the facts users look up are there."""

from __future__ import annotations

from functools import cache
from importlib import resources

import pytest
from rdflib import Graph

from tpbc_kg import api, kgx
from tpbc_kg.paths import ontology_dir

pytestmark = pytest.mark.xdist_group("release")


@cache
def biolink() -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML is in the test extra: pip install -e '.[test]'")
    try:
        path = resources.files("biolink_model") / "schema" / "biolink_model.yaml"
    except ModuleNotFoundError:
        pytest.skip("the biolink-model package is missing: pip install -e '.[test]'")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def camel(name: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in name.split())


def snake(name: str) -> str:
    return name.replace(" ", "_")


def classes() -> set[str]:
    return {f"biolink:{camel(name)}" for name in biolink()["classes"]}


def ancestors(slot: str) -> list[str]:
    chain, slots = [], biolink()["slots"]
    while slot in slots:
        chain.append(slot)
        slot = slots[slot].get("is_a")
        if slot is None:
            break
    return chain


def predicates() -> set[str]:
    return {f"biolink:{snake(name)}" for name in biolink()["slots"] if "related to" in ancestors(name)}


def permissible(enum: str) -> set[str]:
    return set(biolink()["enums"][enum]["permissible_values"])


@pytest.fixture(scope="module")
def result() -> kgx.KgxResult:
    """The KGX of the bundled graph, written as the release writes it and read back."""
    made = kgx.kgx_result(api.bundled_graph())
    _, node_rows = kgx.read_tsv(kgx.nodes_tsv(made.nodes))
    _, edge_rows = kgx.read_tsv(kgx.edges_tsv(made.edges))
    return kgx.KgxResult(node_rows, edge_rows, made.notes)


def test_categories_are_biolink_classes(result):
    known = classes()
    used = {c for row in result.nodes for c in row["category"].split("|")}
    assert used <= known, used - known


def test_predicates_are_biolink_predicates(result):
    known = predicates()
    used = {row["predicate"] for row in result.edges}
    assert used <= known, used - known


def test_required_columns_are_filled(result):
    for row in result.nodes:
        for column in kgx.REQUIRED_NODE_COLUMNS:
            assert row[column], (column, row["id"])
    knowledge_levels, agent_types = permissible("KnowledgeLevelEnum"), permissible("AgentTypeEnum")
    for row in result.edges:
        for column in (*kgx.REQUIRED_EDGE_COLUMNS, "publications"):
            assert row[column], (column, row["id"])
        assert row["knowledge_level"] in knowledge_levels
        assert row["agent_type"] in agent_types
    node_ids = {row["id"] for row in result.nodes}
    dangling = {row["subject"] for row in result.edges} | {row["object"] for row in result.edges}
    assert dangling <= node_ids, sorted(dangling - node_ids)[:5]


def test_every_biolink_term_the_ontology_maps_to_exists():
    mappings = Graph().parse(ontology_dir() / "tpbc-mappings.ttl")
    known_slots = {snake(name) for name in biolink()["slots"]}
    known_classes = {camel(name) for name in biolink()["classes"]}
    targets = {
        str(o)[len(str(kgx.BIOLINK)) :] for o in mappings.objects() if str(o).startswith(str(kgx.BIOLINK))
    }
    assert targets
    missing = {t for t in targets if t not in known_slots and t not in known_classes}
    assert missing == set()


def test_fallback_parents_are_the_biolink_parents():
    """FALLBACK_PARENTS and PROPERTY_SLOTS, kept in code so releases need no Biolink package, agree
    with the model: the fallback is the nearest predicate ancestor, property slots are no predicates."""
    preds = predicates()
    for slot, parent in kgx.FALLBACK_PARENTS.items():
        chain = ancestors(slot.replace("_", " "))
        assert chain, slot
        nearest = next((s for s in chain[1:] if f"biolink:{snake(s)}" in preds), "related to")
        if f"biolink:{slot}" in preds:  # a narrowMatch target: its own parent
            nearest = next(s for s in chain[1:] if f"biolink:{snake(s)}" in preds)
        assert parent == snake(nearest), slot
    for slot in kgx.PROPERTY_SLOTS:
        assert f"biolink:{slot}" not in preds, slot


def test_a_drug_target_edge_carries_its_reference(result):
    edge = next(
        r
        for r in result.edges
        if (r["subject"], r["original_predicate"], r["object"])
        == ("TPBCKG:drug-trastuzumab", "TPBC:targets", "TPBCKG:gene-ERBB2")
    )
    assert (
        edge["predicate"] == "biolink:interacts_with"
    )  # tpbc:targets skos:broadMatch biolink:interacts_with
    assert edge["publications"] == "TPBCKG:ref-023"
    assert edge["knowledge_level"] == "knowledge_assertion"
    assert edge["agent_type"] == "manual_agent"
    assert edge["primary_knowledge_source"] == "infores:tpbc-kg"


def test_per_arm_outcomes_keep_value_unit_and_arm(result):
    node = next(r for r in result.nodes if r["id"] == "TPBCKG:outcome-CLEOPATRA-PTD-mPFS-t1")
    assert node["category"] == "biolink:StudyResult"
    assert (node["has_numeric_value"], node["has_unit"], node["arm"], node["endpoint"]) == (
        "18.7",
        "UO:0000035",
        "TPBCKG:arm-CLEOPATRA-PTD",
        "TPBC:MedianPFS",
    )
    edges = {
        (r["predicate"], r["object"], r["publications"])
        for r in result.edges
        if r["subject"] == "TPBCKG:outcome-CLEOPATRA-PTD-mPFS-t1"
    }
    assert ("biolink:related_to", "TPBCKG:arm-CLEOPATRA-PTD", "TPBCKG:ref-030") in edges


def test_unmapped_terms_are_reported(result):
    assert any("TPBC:includesDrug maps to biolink:has_drug" in note for note in result.notes)
