"""Reading the expectation tables (tests/data/expected/*.csv), transcribed from the sources independently
of the curated modules, and small lookups the graph tests share."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rdflib import Graph, URIRef

from tpbc_kg.namespace import KG, TPBC

EXPECTED = Path(__file__).resolve().parents[1] / "data" / "expected"


def read_rows(name: str) -> list[dict[str, str]]:
    with open(EXPECTED / name, encoding="utf-8") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def case_id(row: dict[str, str]) -> str:
    return row["case_id"]


def kg(local: str) -> URIRef:
    return KG[local.removeprefix("kg:")]


def term(local: str) -> URIRef:
    return TPBC[local.removeprefix("tpbc:")]


def reference(number: str) -> URIRef:
    return KG[f"ref-{int(number):03d}"]


def references(numbers: str) -> set[URIRef]:
    """The references of a cell that may list several numbers ("59;60")."""
    return {reference(n) for n in numbers.replace(",", ";").split(";") if n.strip()}


@dataclass(frozen=True)
class ArmIndex:
    """The arms of one study keyed by the set of drugs their regimen contains."""

    arms: dict[frozenset[URIRef], set[URIRef]]

    @classmethod
    def of(cls, graph: Graph, study: URIRef) -> ArmIndex:
        arms: dict[frozenset[URIRef], set[URIRef]] = {}
        for arm in graph.subjects(TPBC.armOf, study):
            for regimen in graph.objects(arm, TPBC.receivesRegimen):
                drugs = frozenset(graph.objects(regimen, TPBC.includesDrug))
                arms.setdefault(drugs, set()).add(arm)
        return cls(arms)

    def with_drugs(self, drug_locals: str) -> set[URIRef]:
        wanted = frozenset(kg(d) for d in drug_locals.split(";") if d)
        return self.arms.get(wanted, set())

    def describe(self) -> str:
        return "; ".join(sorted(" + ".join(sorted(str(d).rsplit("/", 1)[-1] for d in k)) for k in self.arms))


def same_number(a, b: str) -> bool:
    return Decimal(str(a)) == Decimal(b)
