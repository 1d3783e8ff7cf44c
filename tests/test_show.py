"""`show` gathers what a newcomer asks about a drug: targets, classes, trials, resistance, and who says so."""

from __future__ import annotations

import pytest

from tpbc_kg import api


@pytest.fixture(scope="module")
def trastuzumab():
    return api.describe("trastuzumab")


def _relation(report, name):
    return dict(report.relations).get(name, [])


def test_trastuzumab_targets_her2(trastuzumab):
    assert "ERBB2" in _relation(trastuzumab, "targets")


def test_trastuzumab_class(trastuzumab):
    assert "anti-HER2 monoclonal antibody" in trastuzumab.types


def test_trastuzumab_trials_include_cleopatra_and_katherine(trastuzumab):
    studies = {s.label for s in trastuzumab.studies}
    assert {"CLEOPATRA", "KATHERINE", "HER2CLIMB", "NOAH"} <= studies
    cleopatra = next(s for s in trastuzumab.studies if s.label == "CLEOPATRA")
    assert cleopatra.sample_sizes == [808]


def test_trastuzumab_resistance_mechanisms_with_references(trastuzumab):
    mechanisms = {m.label: m for m in trastuzumab.resistance}
    assert "PTEN loss" in mechanisms
    assert mechanisms["PTEN loss"].citations, "each resistance link names its reference"
    assert any(m.via == "anti-HER2 agent" or m.via == "trastuzumab" for m in trastuzumab.resistance)


def test_target_claim_cites_reference_23(trastuzumab):
    claim = next(
        c for c in trastuzumab.claims if c.text.startswith("trastuzumab targets") and "ERBB2" in c.text
    )
    assert any(c.startswith("[23]") for c in claim.citations)


def test_text_rendering_fits_width():
    text = api.show_text("trastuzumab", width=80)
    assert "Resistance mechanisms" in text and "Trials" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_trial_report_lists_outcomes_with_values():
    report = api.describe("CLEOPATRA")
    values = {(o.endpoint, o.value) for o in report.outcomes}
    assert ("median progression-free survival", "18.7 months") in values
    assert ("median progression-free survival", "18.5 months") in values
