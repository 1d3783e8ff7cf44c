"""The reference data is found where CI puts it (../shared beside the clone) and answers for real records."""

from __future__ import annotations

import pytest

from tpbc_kg import identifiers


def test_reference_is_found_beside_the_checkout(shared):
    assert identifiers.reference_dir() == (shared / "reference").resolve()


def test_reference_is_found_beside_a_checkout_named_by_tpbc_kg_home(tmp_path, monkeypatch, shared):
    """A clone at CLONE with the shared folder at CLONE/../shared, as .ci/run lays them out."""
    clone = tmp_path / "clone"
    clone.mkdir()
    (tmp_path / "shared").symlink_to(shared, target_is_directory=True)
    monkeypatch.setenv("TPBC_KG_HOME", str(clone))
    assert identifiers.candidate_dirs()[0] == (tmp_path / "shared" / "reference").resolve()


def test_a_missing_reference_folder_says_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.setenv(identifiers.REFERENCE_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(identifiers.ReferenceMissing, match="set TPBC_KG_REFERENCE to the folder"):
        identifiers.reference_dir()


@pytest.mark.parametrize(
    ("table", "identifier", "name"),
    [
        ("hgnc", "HGNC:3430", "ERBB2"),
        ("drugbank", "DRUGBANK:DB00072", "Trastuzumab"),
        ("reactome", "REACT:R-HSA-1227986", "Signaling by ERBB2"),
        ("nct", "NCT00567190", "CLEOPATRA"),
    ],
)
def test_records_carry_the_names_the_checks_compare(table, identifier, name):
    record = getattr(identifiers.reference(), table)[identifier]
    assert record.name == name


@pytest.mark.parametrize(
    ("identifier", "placeholder"),
    [
        ("NCT00000000", True),
        ("DRUGBANK:DB00000", True),
        ("HGNC:0", True),
        ("UNII:0000000000", True),
        ("CAS:0000000-00-0", True),
        ("NCT00567190", False),
        ("HGNC:3430", False),
        ("CAS:180288-69-1", False),
    ],
)
def test_template_placeholders_are_recognised(identifier, placeholder):
    assert identifiers.is_placeholder(identifier) is placeholder
