"""`add`: merges are all or nothing, deterministic, idempotent, and make new entities visible."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph

from tests.conftest import filled_template
from tpbc_kg import curate
from tpbc_kg.atomic import WriteError
from tpbc_kg.cli import main
from tpbc_kg.errors import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK
from tpbc_kg.namespace import TPBC
from tpbc_kg.paths import project_root

ROOT = project_root()
INVALID = Path(__file__).resolve().parent / "data" / "shapes" / "invalid"


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "ontology").rglob("*.ttl"))}


def test_add_template_makes_the_trial_visible_to_show(project, tmp_path, capsys):
    template = filled_template(ROOT / "examples" / "trial.ttl", tmp_path)
    entry = Graph().parse(template)
    trial = next(s for s in entry.subjects(RDF.type, TPBC.ClinicalTrial))
    label = str(entry.value(trial, RDFS.label))
    assert main(["show", str(trial)]) == EXIT_BAD_INPUT
    assert main(["add", str(template)]) == EXIT_OK
    assert "trials-additions.ttl" in capsys.readouterr().out
    assert main(["show", str(trial)]) == EXIT_OK
    assert capsys.readouterr().out.startswith(label)


def test_readding_the_same_entry_is_a_no_op(project, tmp_path, capsys):
    template = filled_template(ROOT / "examples" / "drug.ttl", tmp_path)
    assert main(["add", str(template)]) == EXIT_OK
    before = _snapshot(project)
    capsys.readouterr()
    assert main(["add", str(template)]) == EXIT_OK
    assert "nothing to add" in capsys.readouterr().out
    assert _snapshot(project) == before


def test_dry_run_writes_nothing(project, tmp_path, capsys):
    before = _snapshot(project)
    assert (
        main(["add", "--dry-run", str(filled_template(ROOT / "examples" / "gene.ttl", tmp_path))]) == EXIT_OK
    )
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
    ("failure", "raised"),
    [(OSError(28, "No space left on device"), WriteError), (KeyboardInterrupt(), KeyboardInterrupt)],
    ids=["disk-error", "interrupt"],
)
def test_failure_midway_leaves_every_module_unchanged(project, tmp_path, monkeypatch, failure, raised):
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
    entries = [
        filled_template(ROOT / "examples" / name, tmp_path) for name in ("gene.ttl", "drug.ttl", "trial.ttl")
    ]
    with pytest.raises(raised):
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


def test_new_nodes_go_to_their_areas_module(project, tmp_path):
    outcome = curate.add([filled_template(ROOT / "examples" / "trial.ttl", tmp_path)], dry_run=True)
    modules = {p.name for p in outcome.plan.additions}
    assert "trials-additions.ttl" in modules


def _gene_entry(folder: Path, number: int) -> Path:
    path = folder / f"gene-{number:02d}.ttl"
    path.write_text(
        "@prefix kg: <https://w3id.org/tpbc-kg/id/> .\n"
        "@prefix tpbc: <https://w3id.org/tpbc-kg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n\n"
        f"kg:gene-CONC{number:02d} a tpbc:Gene ;\n"
        f'    rdfs:label "CONC{number:02d}"@en ;\n'
        f'    dcterms:description "Fictional gene {number} written by the concurrent add test."@en .\n'
    )
    return path


def test_twenty_concurrent_adds_into_one_module_lose_nothing(project, tmp_path):
    """20 `tpbc-kg add` processes, each with its own gene, started together: every one exits 0 and
    genes.ttl holds all 20 genes afterwards (before the write lock, 4 runs in 15 lost an entry)."""
    entries = [_gene_entry(tmp_path, n) for n in range(20)]
    environment = {**os.environ, "TPBC_KG_HOME": str(project), "TPBC_KG_QUIET": "1"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tpbc_kg.cli", "add", str(entry)],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for entry in entries
    ]
    outcomes = [(p.wait(timeout=900), *p.communicate()) for p in processes]
    for code, out, err in outcomes:
        assert code == EXIT_OK, err
        assert "added 3 triple(s) to ontology/data/genes.ttl" in out
        assert "Traceback" not in err
    assert any("waiting" in err for _, _, err in outcomes), "no add ever had to wait: the test ran serially"
    genes = Graph().parse(project / "ontology" / "data" / "genes.ttl")
    found = {str(label) for label in genes.objects(None, RDFS.label) if str(label).startswith("CONC")}
    assert found == {f"CONC{n:02d}" for n in range(20)}
    assert not list((project / "ontology").rglob("*.tmp"))


def test_a_writer_waits_for_the_lock_then_gives_up_writing_nothing(project, tmp_path, monkeypatch, capsys):
    before = _snapshot(project)
    monkeypatch.setenv("TPBC_KG_LOCK_TIMEOUT", "0.5")
    with curate.writer_lock():
        assert main(["add", str(_gene_entry(tmp_path, 1))]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "another `tpbc-kg add` is writing the curated modules; waiting up to 0.5 s" in err
    assert "nothing was written" in err
    assert _snapshot(project) == before


def test_new_triples_about_a_drug_go_to_the_drug_module(project, tmp_path, capsys):
    """trastuzumab is also mentioned in pathways.ttl (it activates ADCC); a new synonym still belongs in
    drugs.ttl, the module of its class."""
    entry = tmp_path / "synonym.ttl"
    entry.write_text(
        "@prefix kg: <https://w3id.org/tpbc-kg/id/> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n\n"
        'kg:drug-trastuzumab skos:altLabel "Testuzumab-synonym"@en .\n'
    )
    assert main(["add", str(entry)]) == EXIT_OK
    assert "added 1 triple(s) to ontology/data/drugs.ttl" in capsys.readouterr().out
    assert "Testuzumab-synonym" not in (project / "ontology" / "data" / "pathways.ttl").read_text()


def test_an_invented_second_drugbank_id_is_refused(project, tmp_path, capsys):
    before = _snapshot(project)
    entry = tmp_path / "second-id.ttl"
    entry.write_text(
        "@prefix kg: <https://w3id.org/tpbc-kg/id/> .\n"
        "@prefix tpbc: <https://w3id.org/tpbc-kg/ontology#> .\n\n"
        'kg:drug-trastuzumab tpbc:drugbankId "DRUGBANK:DB99999" .\n'
    )
    assert main(["add", str(entry)]) == EXIT_CHECK_FAILED
    err = capsys.readouterr().err
    assert f"{entry}:4" in err
    assert "DRUGBANK:DB99999 is not a DrugBank drug in ../shared/reference/drugbank_vocabulary.csv.gz" in err
    assert "A drug has one DrugBank ID" in err
    assert _snapshot(project) == before


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_add_keeps_the_modules_mode(project, tmp_path, umask):
    module = project / "ontology" / "data" / "genes.ttl"
    module.chmod(0o664)
    old = os.umask(umask)
    try:
        curate.add([_gene_entry(tmp_path, 7)])
    finally:
        os.umask(old)
    assert stat.S_IMODE(module.stat().st_mode) == 0o664


def test_a_discrepancy_naming_both_sample_sizes_lets_the_second_one_in(tmp_path):
    """The conflicting CLEOPATRA sample size of the bad-input corpus passes once a Discrepancy names the
    statement of 808 and the statement of 999; one about PFS (which CLEOPATRA has) did not."""
    from tpbc_kg import validate

    conflict = (
        Path(__file__).parent / "data" / "bad-inputs" / "inputs" / "cleopatra-conflicting-sample-size.ttl"
    )
    entry = tmp_path / "with-discrepancy.ttl"
    entry.write_text(
        conflict.read_text() + "\n@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "kg:disc-trials-CLEOPATRA-n-test a tpbc:Discrepancy ;\n"
        '    rdfs:label "CLEOPATRA sample size: 808 versus 999 (test)"@en ;\n'
        '    dcterms:description "Two sample sizes for one trial, kept side by side."@en ;\n'
        "    tpbc:conflictingClaim kg:st-trials-CLEOPATRA-n-table1 , kg:st-trials-CLEOPATRA-n-conflict ;\n"
        "    tpbc:aboutEntity kg:trial-CLEOPATRA ;\n"
        "    tpbc:supportedBy kg:ref-030 ;\n"
        "    tpbc:reportedIn kg:source-review ;\n"
        '    tpbc:sourceLocation "Table 1, CLEOPATRA row" .\n'
    )
    before = validate.validate_entries([conflict])
    assert "tpbcsh:SampleSizeDiscrepancy" in {r.shape for r in before.violations}
    after = validate.validate_entries([entry])
    assert "tpbcsh:SampleSizeDiscrepancy" not in {r.shape for r in after.results}, validate.render_text(after)
