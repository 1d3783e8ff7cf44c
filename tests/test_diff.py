"""Claim-level diff on small graphs: the words a curator reads for each kind of change."""

from __future__ import annotations

import json

from rdflib import RDF, RDFS, XSD, Graph, Literal

from tpbc_kg import diff
from tpbc_kg.namespace import KG, TPBC

TRIAL, ARM, OUTCOME, REF = KG["trial-T"], KG["arm-T-A"], KG["outcome-T-A-mOS"], KG["ref-007"]


def base() -> Graph:
    g = Graph()
    g.add((TRIAL, RDF.type, TPBC.ClinicalTrial))
    g.add((TRIAL, RDFS.label, Literal("TRIAL-T", lang="en")))
    g.add((TRIAL, TPBC.sampleSize, Literal(100)))
    g.add((ARM, RDF.type, TPBC.TrialArm))
    g.add((ARM, TPBC.armLabel, Literal("A")))
    g.add((OUTCOME, RDF.type, TPBC.Outcome))
    g.add((OUTCOME, TPBC.outcomeOf, TRIAL))
    g.add((OUTCOME, TPBC.forArm, ARM))
    g.add((OUTCOME, TPBC.measuresEndpoint, TPBC.MedianOS))
    g.add((TPBC.MedianOS, RDFS.label, Literal("median overall survival", lang="en")))
    g.add((TPBC.MedianOS, KG.unused, Literal("x")))
    g.add((OUTCOME, TPBC.value, Literal("30.1", datatype=XSD.decimal)))
    g.add((OUTCOME, TPBC.hasUnit, TPBC.Months))
    g.add((TPBC.Months, RDFS.label, Literal("months", lang="en")))
    g.add((OUTCOME, TPBC.supportedBy, REF))
    g.add((REF, RDF.type, TPBC.Reference))
    g.add((REF, TPBC.referenceNumber, Literal(7)))
    return g


def test_a_changed_outcome_value_reads_as_a_claim():
    new = base()
    new.set((OUTCOME, TPBC.value, Literal("31.4", datatype=XSD.decimal)))
    result = diff.diff_graphs(base(), new)
    assert [c.text for c in result.changes] == [
        "TRIAL-T median overall survival, arm A: 30.1 → 31.4 months (ref 7)"
    ]
    assert result.changes[0].kind == "outcomes"


def test_a_changed_sample_size_is_a_trial_change():
    new = base()
    new.set((TRIAL, TPBC.sampleSize, Literal(120)))
    (change,) = diff.diff_graphs(base(), new).changes
    assert (change.kind, change.change, change.old, change.new) == ("trials", "changed", "100", "120")


def test_a_language_tag_change_shows_the_tags():
    new = base()
    new.set((TRIAL, RDFS.label, Literal("TRIAL-T")))
    (change,) = diff.diff_graphs(base(), new).changes
    assert (change.old, change.new) == ('"TRIAL-T"@en', '"TRIAL-T"')


def test_added_and_removed_entities_and_set_changes():
    new = base()
    other = KG["arm-T-B"]
    new.add((other, RDF.type, TPBC.TrialArm))
    new.add((other, RDFS.label, Literal("arm B", lang="en")))
    new.add((TRIAL, TPBC.hasArm, ARM))
    new.add((TRIAL, TPBC.hasArm, other))
    old = base()
    old.add((TRIAL, TPBC.hasArm, ARM))
    result = diff.diff_graphs(old, new)
    texts = [(c.change, c.text) for c in result.changes]
    assert any(w == "added" and t.startswith("arm B (") for w, t in texts)
    assert any(w == "changed" and t.endswith("+ arm B") for w, t in texts)
    assert json.loads(diff.render_json(result))["summary"]["trials"] == {
        "added": 1,
        "removed": 0,
        "changed": 1,
    }
    assert "| added |" in diff.render_markdown(result)
    reverse = diff.diff_graphs(new, old)
    assert any(c.change == "removed" and c.id == str(other) for c in reverse.changes)


def test_no_changes():
    assert diff.render_text(diff.diff_graphs(base(), base())).endswith("no changes\n")
