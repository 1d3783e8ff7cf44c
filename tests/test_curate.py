"""`add`: merges are all or nothing, deterministic, idempotent, and make new entities visible."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph

from tpbc_kg import curate
from tpbc_kg.cli import main
from tpbc_kg.errors import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK
from tpbc_kg.namespace import TPBC
from tpbc_kg.paths import project_root

ROOT = project_root()
INVALID = Path(__file__).resolve().parent / "data" / "shapes" / "invalid"


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "ontology").rglob("*.ttl"))}


def test_add_template_makes_the_trial_visible_to_show(project, capsys):
    template = ROOT / "examples" / "trial.ttl"
    entry = Graph().parse(template)
    trial = next(s for s in entry.subjects(RDF.type, TPBC.ClinicalTrial))
    label = str(entry.value(trial, RDFS.label))
    assert main(["show", str(trial)]) == EXIT_BAD_INPUT
    assert main(["add", str(template)]) == EXIT_OK
    assert "trials-additions.ttl" in capsys.readouterr().out
    assert main(["show", str(trial)]) == EXIT_OK
    assert capsys.readouterr().out.startswith(label)


def test_readding_the_same_entry_is_a_no_op(project, capsys):
    template = ROOT / "examples" / "drug.ttl"
    assert main(["add", str(template)]) == EXIT_OK
    before = _snapshot(project)
    capsys.readouterr()
    assert main(["add", str(template)]) == EXIT_OK
    assert "nothing to add" in capsys.readouterr().out
    assert _snapshot(project) == before


def test_dry_run_writes_nothing(project, capsys):
    before = _snapshot(project)
    assert main(["add", "--dry-run", str(ROOT / "examples" / "gene.ttl")]) == EXIT_OK
    assert "would add" in capsys.readouterr().out
    assert _snapshot(project) == before


def test_invalid_entry_is_rejected_and_nothing_changes(project, capsys):
    before = _snapshot(project)
    fixture = sorted(INVALID.glob("*.ttl"))[0]
    assert main(["add", str(fixture)]) == EXIT_CHECK_FAILED
    assert "nothing was written" in capsys.readouterr().err
    assert _snapshot(project) == before


def test_syntax_error_is_rejected_and_nothing_changes(project, tmp_path, capsys):
    before = _snapshot(project)
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix kg: <https://w3id.org/tpbc-kg/id/> .\nkg:a kg:b .\n")
    assert main(["add", str(broken)]) == EXIT_BAD_INPUT
    assert _snapshot(project) == before


@pytest.mark.parametrize(
    "failure", [OSError("simulated disk error"), KeyboardInterrupt()], ids=["disk-error", "interrupt"]
)
def test_failure_midway_leaves_every_module_unchanged(project, monkeypatch, failure):
    """Three templates touch several modules; the second rename fails, the first is rolled back."""
    before = _snapshot(project)
    real_replace = curate.os.replace
    calls = {"n": 0}

    def failing(src, dst):
        calls["n"] += 1
        if calls["n"] == 2:
            raise failure
        return real_replace(src, dst)

    monkeypatch.setattr(curate.os, "replace", failing)
    entries = [ROOT / "examples" / name for name in ("gene.ttl", "drug.ttl", "trial.ttl")]
    with pytest.raises(type(failure)):
        curate.add(entries)
    assert calls["n"] >= 2, "the entry should touch at least two modules"
    assert _snapshot(project) == before
    assert not list((project / "ontology").rglob("*.tmp"))


def test_merged_block_is_deterministic_and_sorted():
    entry = Graph().parse(ROOT / "examples" / "drug.ttl")
    first = curate.turtle_block(entry)
    again = curate.turtle_block(Graph().parse(ROOT / "examples" / "drug.ttl"))
    assert first == again
    subjects = [line for line in first.splitlines() if line and not line.startswith(" ")]
    assert subjects == sorted(subjects)
    assert Graph().parse(
        data="@prefix kg: <https://w3id.org/tpbc-kg/id/> .\n"
        "@prefix tpbc: <https://w3id.org/tpbc-kg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n" + first,
        format="turtle",
    )


def test_new_nodes_go_to_their_areas_module(project):
    outcome = curate.add([ROOT / "examples" / "trial.ttl"], dry_run=True)
    modules = {p.name for p in outcome.plan.additions}
    assert "trials-additions.ttl" in modules
