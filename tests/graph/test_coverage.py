"""The graph covers the curation checklist completely: every row ID of ../shared/curation-checklist.md is
mapped (tests/data/coverage/*.tsv) to nodes or terms that exist in the graph."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from rdflib import URIRef

COVERAGE = Path(__file__).resolve().parents[1] / "data" / "coverage"
_ROW = re.compile(r"^\| ([GAMPDKXTEBNLFSQ]\d{2,3}) \|")
_REF_ROW = re.compile(r"^\| (\d{1,3}) \|")
_AMBIGUITY = re.compile(r"^(\d{1,2})\. ")


def checklist_ids(text: str) -> set[str]:
    ids: set[str] = set()
    section = ""
    for line in text.splitlines():
        if line.startswith("## "):
            section = line
        if match := _ROW.match(line):
            ids.add(match.group(1))
        elif section.startswith("## 10.") and (match := _REF_ROW.match(line)):
            ids.add(f"REF-{int(match.group(1))}")
        elif section.startswith("## 11.") and (match := _AMBIGUITY.match(line)):
            ids.add(f"AMB-{int(match.group(1))}")
    return ids


def coverage_rows() -> dict[str, list[tuple[str, str]]]:
    rows: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(COVERAGE.glob("*.tsv")):
        with open(path, encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                rows.setdefault(row["checklist_id"].strip(), []).append((path.name, row["iris"]))
    return rows


@pytest.fixture(scope="module")
def ids(shared) -> set[str]:
    found = checklist_ids((shared / "curation-checklist.md").read_text(encoding="utf-8"))
    assert {"G01", "A64", "P33", "D33", "K37", "X45", "T39", "REF-121", "AMB-31"} <= found
    return found


def test_every_checklist_row_is_mapped(ids):
    missing = sorted(
        ids - set(coverage_rows()), key=lambda i: (re.sub(r"\d+", "", i), int(re.sub(r"\D", "", i)))
    )
    assert not missing, f"{len(missing)} checklist rows have no coverage entry: {missing}"


def test_every_mapped_iri_exists(graph):
    nm = graph.namespace_manager
    absent = []
    for checklist_id, entries in coverage_rows().items():
        for source, iris in entries:
            if not iris.strip():
                absent.append(f"{source} {checklist_id}: no IRI given")
            for curie in iris.split():
                iri = nm.expand_curie(curie) if not curie.startswith("http") else URIRef(curie)
                if (iri, None, None) not in graph:
                    absent.append(f"{source} {checklist_id}: {curie}")
    assert not absent, "mapped IRIs missing from the graph:\n" + "\n".join(absent[:40])
