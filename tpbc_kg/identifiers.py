"""External identifiers checked against the reference data in ../shared/reference/ (its README says where
each file comes from).

Curators must take every HGNC, DrugBank, UNII, CAS and Reactome identifier from these files and NCT numbers
from the verified trial list; an invented identifier is worse than none, because it links the graph to
someone else's gene or drug. This module answers, offline, "does this identifier exist, and whose is it?".

Where the files are: TPBC_KG_REFERENCE if set; else `shared/reference` beside the project checkout (the
repository is cloned with ../shared beside it, in CI too); else beside the package's own checkout (an
editable install whose data was redirected with TPBC_KG_HOME, as the tests do).
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tpbc_kg.paths import project_root

REFERENCE_ENV = "TPBC_KG_REFERENCE"
_PACKAGE_CHECKOUT = Path(__file__).resolve().parent.parent

HGNC_FILE = "hgnc_protein_coding.tsv.gz"
DRUGBANK_FILE = "drugbank_vocabulary.csv.gz"
REACTOME_FILE = "reactome_pathways_human.tsv"
NCT_FILE = "trial_nct_verified.tsv"


class ReferenceMissing(FileNotFoundError):
    """The reference folder is not where the project expects it; the message says how to point to it."""


def candidate_dirs() -> list[Path]:
    """Where the reference folder is looked for, in order."""
    override = os.environ.get(REFERENCE_ENV)
    if override:
        return [Path(override)]
    found = [
        project_root().parent / "shared" / "reference",
        _PACKAGE_CHECKOUT.parent / "shared" / "reference",
    ]
    return list(dict.fromkeys(p.resolve() for p in found))


def reference_dir() -> Path:
    """The folder holding the reference files; ReferenceMissing if none of the candidates has them."""
    for candidate in candidate_dirs():
        if (candidate / HGNC_FILE).is_file():
            return candidate
    tried = ", ".join(str(p) for p in candidate_dirs())
    raise ReferenceMissing(
        f"the reference data (../shared/reference/{HGNC_FILE} ...) was not found (looked in {tried}); "
        f"clone the repository with ../shared beside it, or set {REFERENCE_ENV} to the folder"
    )


def _lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        yield from handle


def _split(value: str, separator: str) -> set[str]:
    return {part.strip() for part in value.split(separator) if part.strip()}


@dataclass(frozen=True)
class Record:
    """One entity of a reference file: its identifier, preferred name and every other name it goes by."""

    identifier: str
    name: str
    other_names: frozenset[str] = field(default_factory=frozenset)
    note: str = ""

    def answers_to(self, names: set[str]) -> bool:
        """Whether any of names (casefolded) is this record's name or one of its other names."""
        known = {n.casefold() for n in (self.name, *self.other_names)}
        return bool(known & {n.casefold() for n in names})


@dataclass
class Reference:
    """The reference files, read once: identifier (as the graph writes it, with prefix) -> Record."""

    folder: Path
    hgnc: dict[str, Record]
    drugbank: dict[str, Record]
    unii: dict[str, Record]
    cas: dict[str, Record]
    reactome: dict[str, Record]
    nct: dict[str, Record]

    def file(self, name: str) -> str:
        return f"../shared/reference/{name}"


def _read_hgnc(path: Path) -> dict[str, Record]:
    rows = csv.DictReader(io.StringIO("".join(_lines(path))), delimiter="\t")
    out = {}
    for row in rows:
        others = _split(row["alias_symbols"], ",") | _split(row["prev_symbols"], ",") | {row["name"]}
        out[row["hgnc_id"]] = Record(row["hgnc_id"], row["symbol"], frozenset(others), row["name"])
    return out


def _read_drugbank(path: Path) -> tuple[dict[str, Record], dict[str, Record], dict[str, Record]]:
    by_id, by_unii, by_cas = {}, {}, {}
    for row in csv.DictReader(io.StringIO("".join(_lines(path)))):
        record = Record(
            f"DRUGBANK:{row['DrugBank ID']}", row["Common name"], frozenset(_split(row["Synonyms"], " | "))
        )
        by_id[record.identifier] = record
        if row["UNII"]:
            by_unii[f"UNII:{row['UNII']}"] = record
        if row["CAS"]:
            by_cas[f"CAS:{row['CAS']}"] = record
    return by_id, by_unii, by_cas


def _read_reactome(path: Path) -> dict[str, Record]:
    rows = csv.DictReader(io.StringIO("".join(_lines(path))), delimiter="\t")
    return {f"REACT:{r['stable_id']}": Record(f"REACT:{r['stable_id']}", r["name"]) for r in rows}


def _read_nct(path: Path) -> dict[str, Record]:
    rows = csv.DictReader(io.StringIO("".join(_lines(path))), delimiter="\t")
    return {r["nct_id"]: Record(r["nct_id"], r["acronym"], note=r["verification"]) for r in rows}


@cache
def _load(folder: Path) -> Reference:
    drugbank, unii, cas = _read_drugbank(folder / DRUGBANK_FILE)
    return Reference(
        folder,
        _read_hgnc(folder / HGNC_FILE),
        drugbank,
        unii,
        cas,
        _read_reactome(folder / REACTOME_FILE),
        _read_nct(folder / NCT_FILE),
    )


def reference() -> Reference:
    """The reference data, parsed once per process (about a second: 40,000 rows)."""
    return _load(reference_dir())


def is_placeholder(identifier: str) -> bool:
    """Template identifiers such as NCT00000000, DRUGBANK:DB00000, HGNC:0 or UNII:0000000000: a local part
    made only of zeros (and the separators a CAS number has)."""
    local = identifier.rsplit(":", 1)[-1]
    local = local.removeprefix("NCT").removeprefix("DB").removeprefix("R-HSA-")
    digits = local.replace("-", "")
    return bool(digits) and set(digits) == {"0"}
