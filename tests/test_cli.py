"""The command line: exit codes and messages a user sees."""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import Graph

from tpbc_kg.cli import main
from tpbc_kg.errors import EXIT_BAD_INPUT, EXIT_OK


def test_show_prints_the_entity(capsys):
    assert main(["show", "pertuzumab"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("pertuzumab") and "CLEOPATRA" in out


def test_show_unknown_entity_exits_2_with_suggestions(capsys):
    assert main(["show", "pertuzumabb"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "no entity is called 'pertuzumabb'" in err and "pertuzumab" in err
    assert "Traceback" not in err


def test_export_json_ld_to_file(tmp_path: Path, capsys):
    target = tmp_path / "kg.jsonld"
    assert main(["export", "--format", "json-ld", "-o", str(target)]) == EXIT_OK
    document = json.loads(target.read_text())
    assert "@context" in document
    assert len(Graph().parse(target, format="json-ld")) > 1000


def test_export_into_missing_folder_exits_2(tmp_path: Path, capsys):
    assert main(["export", "-o", str(tmp_path / "no" / "such" / "dir.ttl")]) == EXIT_BAD_INPUT
    assert "output folder does not exist" in capsys.readouterr().err


def test_export_unknown_format_exits_2(capsys):
    assert main(["export", "--format", "csv"]) == EXIT_BAD_INPUT
    assert "csv" in capsys.readouterr().err


def test_stats_reports_reference_share(capsys):
    assert main(["stats"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "claims with a reference:" in out and "(100.0%)" in out
