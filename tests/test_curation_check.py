"""The curator's module checker reports the problems of the file at hand, not of the whole graph."""

from __future__ import annotations

from pathlib import Path

from tpbc_kg import curation_check
from tpbc_kg.paths import ontology_dir

QC = Path(__file__).resolve().parent / "data" / "qc"


def test_clean_module_has_no_errors():
    problems = curation_check.check([ontology_dir() / "data" / "drugs.ttl"])
    assert not [p for p in problems if p.startswith("[error]")]


def test_problem_in_the_file_is_reported_with_its_check():
    problems = curation_check.check([QC / "unsupported-claim-triple.ttl"])
    assert any("unsupported-claim-triple" in p and "kg:drug-x" in p for p in problems)


def test_exit_code_is_1_on_errors_and_2_on_unreadable_files(tmp_path, capsys):
    assert curation_check.main([str(QC / "missing-label.ttl")]) == 1
    broken = tmp_path / "broken.ttl"
    broken.write_text("kg:a kg:b")
    assert curation_check.main([str(broken)]) == 2
